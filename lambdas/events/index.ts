import { eventsConfig } from '../core/config/function-config.js';
import { withPowertools } from '../core/observability/lambda-powertools.js';
import { BatchControlStore } from '../core/store/batch-control-store.js';
import { BatchProgressReader } from '../core/store/batch-progress.js';
import { CountedSends } from '../core/store/counted-sends.js';
import { CounterBuffer } from '../core/store/counter-buffer.js';
import { CounterStore } from '../core/store/counter-store.js';
import { SendStore } from '../core/store/send-store.js';
import { SuppressionStore } from '../core/store/suppression-store.js';
import { documentClient } from '../core/store/table-client.js';
import { WriterStore } from '../core/store/writer-store.js';
import { cloudWatchEventMetrics } from './cloudwatch-event-metrics.js';
import { createEventsHandler } from './handler.js';

const config = eventsConfig(process.env);
// One DynamoDB client for every store of the container.
const db = documentClient();

// The counter moves of an invocation are written once, at its end (counter-buffer.ts), without moving
// the counters' lastChangeAt: events come long after the sending, whose end that time marks.
const counts = new CounterBuffer(new CounterStore(db, config.tableName), { touchTime: false });

export const handler = withPowertools(
  createEventsHandler({
    sends: new CountedSends(
      new SendStore(db, config.tableName),
      counts,
      new WriterStore(db, config.tableName),
      config.retentionSeconds,
    ),
    suppressions: new SuppressionStore(db, config.tableName),
    counts,
    guardrail: {
      progress: new BatchProgressReader(db, config.tableName),
      controls: new BatchControlStore(db, config.tableName),
      limits: config.guardrail,
    },
    metrics: cloudWatchEventMetrics(),
    clock: () => new Date(),
  }),
);
