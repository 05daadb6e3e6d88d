import { queryConfig } from '../core/config/function-config.js';
import { ApiKeyCheck } from '../core/http/api-key-check.js';
import { withPowertools } from '../core/observability/lambda-powertools.js';
import { ApiKeyStore } from '../core/store/api-key-store.js';
import { BatchProgressReader } from '../core/store/batch-progress-reader.js';
import { BatchReader } from '../core/store/batch-reader.js';
import { BatchStarts } from '../core/store/batch-starts.js';
import { BatchStore } from '../core/store/batch-store.js';
import { ContentStore } from '../core/store/content-store.js';
import { SendReader } from '../core/store/send-reader.js';
import { SendStore } from '../core/store/send-store.js';
import { documentClient } from '../core/store/table-client.js';
import { UploadClaims } from '../core/store/upload-claims.js';
import { createGraphqlHandler } from './handler.js';
import { cursorSigningKey, PageCursors } from './page-cursor.js';
import { readSchemaSource } from './schema-source.js';

const config = queryConfig(process.env);
const db = documentClient();

export const handler = withPowertools(
  createGraphqlHandler({
    sends: new SendStore(db, config.tableName),
    contents: new ContentStore(db, config.tableName),
    batchRecords: new BatchStore(db, config.tableName),
    reader: new SendReader(db, config.tableName),
    batches: new BatchReader(db, config.tableName),
    progress: new BatchProgressReader(db, config.tableName),
    starts: new BatchStarts(db, config.tableName),
    uploads: new UploadClaims(db, config.tableName),
    cursors: new PageCursors(cursorSigningKey(config)),
    typeDefs: readSchemaSource(config.schemaPath),
    graphiql: config.graphiqlEnabled,
    introspection: config.introspection,
    apiKeys: new ApiKeyCheck(new ApiKeyStore(db, config.tableName), () => new Date(), config.apiKeyCache),
  }),
);
