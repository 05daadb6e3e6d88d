import { s3Client } from '../core/aws/s3-client.js';
import { queryConfig } from '../core/config/function-config.js';
import { cursorSigningKey, PageCursors } from '../core/domain/page-cursor.js';
import { RowChunks } from '../core/files/row-chunks.js';
import { ApiKeyCheck } from '../core/http/api-key-check.js';
import { withPowertools } from '../core/observability/lambda-powertools.js';
import { ApiKeyStore } from '../core/store/api-key-store.js';
import { documentClient } from '../core/store/table-client.js';
import { createGraphqlHandler } from './handler.js';
import { readSchemaSource } from './schema-source.js';
import { tableReaders } from './table-readers.js';

const config = queryConfig(process.env);
const db = documentClient();

export const handler = withPowertools(
  createGraphqlHandler({
    ...tableReaders(db, config.tableName, new RowChunks(s3Client(config.s3), config.bucketName)),
    cursors: new PageCursors(cursorSigningKey(config)),
    typeDefs: readSchemaSource(config.schemaPath),
    graphiql: config.graphiqlEnabled,
    ...(config.graphiqlApiKey ? { graphiqlApiKey: config.graphiqlApiKey } : {}),
    introspection: config.introspection,
    apiKeys: new ApiKeyCheck(new ApiKeyStore(db, config.tableName), () => new Date(), config.apiKeyCache),
  }),
);
