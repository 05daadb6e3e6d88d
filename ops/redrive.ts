import { parseArgs } from 'node:util';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/local-clients.js';
import { localConfig } from '../local/local-config.js';
import { liveRunnerState } from '../local/runner-state.js';

const USAGE = `Move every message of a dead-letter queue back to its send queue.

  npm run redrive -- --local                                   the running npm start's queues (the send
                                                               queue's and the high-priority one's)
  npm run redrive -- --dlq-url <DeadLetterQueueUrl> --queue-url <QueueUrl>
                                                               deployed queues (stack outputs), with
                                                               your environment's AWS credentials
                                                               (for high-priority sends: the outputs
                                                               PriorityDeadLetterQueueUrl, PriorityQueueUrl)

On AWS, 'aws sqs start-message-move-task --source-arn <DeadLetterQueueArn>' does the same server-side.
Nothing is mailed twice: a redriven message whose send is SENT is acknowledged without calling SES,
one whose send gave up ("retries exhausted") gets a new set of deliveries, a rejected one stays ERROR.`;

class UsageError extends Error {}

/**
 * Receive, re-send, delete, ten at a time. A crash between re-sending and deleting leaves a message
 * on both queues; the sender's claim makes that harmless.
 */
async function redrive(sqs: SQSClient, deadLetterQueueUrl: string, queueUrl: string): Promise<number> {
  let moved = 0;
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
      }),
    );
    if (Messages.length === 0) return moved;
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((m, i) => ({ Id: String(i), MessageBody: m.Body ?? '' })),
      }),
    );
    const done = (sent.Successful ?? []).map((entry) => Messages[Number(entry.Id)]);
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: deadLetterQueueUrl,
          Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m?.ReceiptHandle ?? '' })),
        }),
      );
    }
    moved += done.length;
    // Whatever failed to send stays on the DLQ and comes back after its visibility timeout.
    if ((sent.Failed ?? []).length > 0)
      throw new Error(`${sent.Failed?.length} message(s) could not be re-sent; run again`);
  }
}

async function main(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      local: { type: 'boolean', default: false },
      'dlq-url': { type: 'string' },
      'queue-url': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  let sqs: SQSClient;
  let pairs: { deadLetterQueueUrl: string; queueUrl: string; name: string }[];
  if (values.local) {
    const running = liveRunnerState(localConfig(process.env).dataDir);
    if (!running)
      throw new UsageError('no local runner is running (its queues live in its memory): npm start first');
    sqs = new SQSClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoint: running.sqsEndpoint,
    });
    // Both send queues: the normal one and the high-priority one, each from its own dead-letter queue.
    pairs = [
      { ...running, name: 'send queue' },
      {
        deadLetterQueueUrl: running.priorityDeadLetterQueueUrl,
        queueUrl: running.priorityQueueUrl,
        name: 'high-priority send queue',
      },
    ];
  } else {
    const deadLetterQueueUrl = values['dlq-url'];
    const queueUrl = values['queue-url'];
    if (!deadLetterQueueUrl || !queueUrl)
      throw new UsageError('give --local, or both --dlq-url and --queue-url');
    sqs = new SQSClient({});
    pairs = [{ deadLetterQueueUrl, queueUrl, name: 'queue' }];
  }
  try {
    for (const pair of pairs) {
      const moved = await redrive(sqs, pair.deadLetterQueueUrl, pair.queueUrl);
      console.log(`Moved ${moved} message(s) from the dead-letter queue back to the ${pair.name}.`);
    }
  } finally {
    sqs.destroy();
  }
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  console.error(`redrive: ${error instanceof Error ? error.message : String(error)}`);
  if (error instanceof UsageError) console.error(`\n${USAGE}`);
  process.exitCode = 1;
}
