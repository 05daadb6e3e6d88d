import { suppressionsConfig } from '../core/config/function-config.js';
import { cursorSigningKey, PageCursors } from '../core/domain/page-cursor.js';
import { ApiKeyCheck } from '../core/http/api-key-check.js';
import { withPowertools } from '../core/observability/lambda-powertools.js';
import { ApiKeyStore } from '../core/store/api-key-store.js';
import { SuppressionStore } from '../core/store/suppression-store.js';
import { documentClient } from '../core/store/table-client.js';
import { createSuppressionsHandler } from './handler.js';

const config = suppressionsConfig(process.env);
const db = documentClient();
const clock = () => new Date();

export const handler = withPowertools(
  createSuppressionsHandler({
    suppressions: new SuppressionStore(db, config.tableName),
    cursors: new PageCursors(cursorSigningKey(config)),
    apiKeys: new ApiKeyCheck(new ApiKeyStore(db, config.tableName), clock, config.apiKeyCache),
    clock,
    maxImportBytes: config.maxImportBytes,
  }),
);
