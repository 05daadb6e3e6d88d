import { randomUUID } from 'node:crypto';
import { documentClient, sqsClient } from '../aws/clients.js';
import { ingestConfig } from '../config/function-config.js';
import { SendQueue } from '../queue/send-queue.js';
import { SendStore } from '../store/send-store.js';
import { createIngestHandler } from './handler.js';

const config = ingestConfig(process.env);

export const handler = createIngestHandler({
  store: new SendStore(documentClient(), config.tableName),
  queue: new SendQueue(sqsClient(), config.queueUrl),
  clock: () => new Date(),
  newBatchId: randomUUID,
  chunkRows: config.chunkRows,
  maxBodyBytes: config.maxBodyBytes,
});
