import { documentClient } from '../aws/clients.js';
import { deadLetterConfig } from '../config/function-config.js';
import { SendStore } from '../store/send-store.js';
import { createDeadLetterHandler } from './handler.js';

const config = deadLetterConfig(process.env);

export const handler = createDeadLetterHandler({
  store: new SendStore(documentClient(), config.tableName),
  clock: () => new Date(),
});
