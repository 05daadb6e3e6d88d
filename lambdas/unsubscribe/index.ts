import { unsubscribeTokensOf } from '../core/aws/unsubscribe-key.js';
import { unsubscribeConfig } from '../core/config/function-config.js';
import { withPowertools } from '../core/observability/lambda-powertools.js';
import { CounterStore } from '../core/store/counter-store.js';
import { SendStore } from '../core/store/send-store.js';
import { SuppressionStore } from '../core/store/suppression-store.js';
import { documentClient } from '../core/store/table-client.js';
import { createUnsubscribeHandler } from './handler.js';

const config = unsubscribeConfig(process.env);
const db = documentClient();
// Read once per container, at load (Lambda's init phase): the key the sender signed the links with.
const tokens = await unsubscribeTokensOf(config.key);

export const handler = withPowertools(
  createUnsubscribeHandler({
    tokens,
    sends: new SendStore(db, config.tableName),
    suppressions: new SuppressionStore(db, config.tableName),
    counters: new CounterStore(db, config.tableName),
    clock: () => new Date(),
    retentionSeconds: config.retentionSeconds,
  }),
);
