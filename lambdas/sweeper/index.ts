import { sqsClient } from '../core/aws/clients.js';
import { sweeperConfig } from '../core/config/function-config.js';
import { withPowertools } from '../core/observability/lambda-powertools.js';
import { SendQueue } from '../core/queue/send-queue.js';
import { SendStore } from '../core/store/send-store.js';
import { documentClient } from '../core/store/table-client.js';
import { createSweeperHandler } from './handler.js';

const config = sweeperConfig(process.env);

/** Runs on a schedule (EventBridge on AWS, a timer in the local runner); see SweepRequest. */
export const handler = withPowertools(
  createSweeperHandler(
    {
      store: new SendStore(documentClient(), config.tableName),
      queue: new SendQueue(sqsClient(), config.queueUrl),
      clock: () => new Date(),
    },
    config,
  ),
);
