import { randomUUID } from 'node:crypto';
import { documentClient, sesClient } from '../aws/clients.js';
import { senderConfig } from '../config/function-config.js';
import { SesMailer } from '../mail/mailer.js';
import { withPowertools } from '../observability/lambda-powertools.js';
import { SendStore } from '../store/send-store.js';
import { cloudWatchSendMetrics } from './cloudwatch-send-metrics.js';
import { ContentCache } from './content-cache.js';
import { createSenderHandler } from './handler.js';

const config = senderConfig(process.env);
const store = new SendStore(documentClient(), config.tableName);

export const handler = withPowertools(
  createSenderHandler({
    store,
    mailer: new SesMailer(sesClient(), {
      from: config.fromAddress,
      ...(config.replyTo ? { replyTo: config.replyTo } : {}),
      ...(config.configurationSet ? { configurationSet: config.configurationSet } : {}),
    }),
    contents: new ContentCache((id) => store.getContent(id)),
    clock: () => new Date(),
    newLeaseId: randomUUID,
    leaseMs: config.leaseSeconds * 1000,
    maxReceiveCount: config.maxReceiveCount,
    metrics: cloudWatchSendMetrics,
  }),
);
