import { ApiKeyCheck } from '../auth/api-key-check.js';
import { ApiKeyStore } from '../auth/api-key-store.js';
import { documentClient } from '../aws/clients.js';
import { queryConfig } from '../config/function-config.js';
import { UploadClaims } from '../ingest/upload-claims.js';
import { withPowertools } from '../observability/lambda-powertools.js';
import { BatchStarts } from '../store/batch-starts.js';
import { SendStore } from '../store/send-store.js';
import { BatchProgressReader } from './batch-progress-reader.js';
import { BatchReader } from './batch-reader.js';
import { createGraphqlHandler } from './handler.js';
import { cursorSigningKey, PageCursors } from './page-cursor.js';
import { readSchemaSource } from './schema-source.js';
import { SendReader } from './send-reader.js';

const config = queryConfig(process.env);
const db = documentClient();

export const handler = withPowertools(
  createGraphqlHandler({
    store: new SendStore(db, config.tableName),
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
