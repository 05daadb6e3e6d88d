import { documentClient, sqsClient } from '../aws/clients.js';
import { sweeperConfig } from '../config/function-config.js';
import { withPowertools } from '../observability/lambda-powertools.js';
import { logger } from '../observability/logger.js';
import { SendQueue } from '../queue/send-queue.js';
import { SendStore } from '../store/send-store.js';
import { sweepStuckSends } from './sweep-stuck-sends.js';

const config = sweeperConfig(process.env);
const deps = {
  store: new SendStore(documentClient(), config.tableName),
  queue: new SendQueue(sqsClient(), config.queueUrl),
  clock: () => new Date(),
};

/** Runs on a schedule (EventBridge on AWS, a timer in the local runner). */
export const handler = withPowertools(async (): Promise<void> => {
  const result = await sweepStuckSends(deps, config);
  logger.info('sweep finished', { ...result });
});
