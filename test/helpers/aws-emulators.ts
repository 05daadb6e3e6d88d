import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { S3Event } from 'aws-lambda';
import { s3ClientOptions } from '../../lambdas/core/aws/s3-client.js';
import type { ScheduleTarget } from '../../lambdas/core/schedule/batch-schedules.js';
import { ensureTable } from '../../lambdas/core/store/table-provisioning.js';
import { type RunningEmulators, startEmulators } from '../../local/emulators.js';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalClients,
  localClients,
} from '../../local/local-clients.js';
import { ensureQueues, type QueueUrls } from '../../local/provision.js';
import { type RunningScheduler, startSchedulerEmulator } from '../../local/scheduler-emulator.js';

export interface TestAws {
  emulators: RunningEmulators;
  clients: LocalClients;
  tableName: string;
  queues: QueueUrls;
  /** The S3 stand-in (s3rver) with the campaign files bucket. */
  s3: TestS3;
  /** EventBridge Scheduler's stand-in, sending scheduled batches' starts to the write queue. */
  scheduler: RunningScheduler;
  /** Where the functions' schedules go: the write queue, through a role (not checked here). */
  scheduleTarget: ScheduleTarget;
  /** Mails the SES emulator has received, newest last. */
  sentMails(): Promise<SesStoredMail[]>;
  stop(): Promise<void>;
}

/**
 * s3rver with one bucket, and an S3 client with the project's options (s3ClientOptions) pointed at it
 * path-style, as local mode points the functions' client (AWS_ENDPOINT_URL_S3, S3_FORCE_PATH_STYLE).
 */
export interface TestS3 {
  endpoint: string;
  bucket: string;
  client: S3Client;
  /**
   * PUTs `body` as `key` into the bucket (with these user metadata, sent as `x-amz-meta-*`) and
   * resolves with the object-created event s3rver emitted for it, in the shape S3 gives a Lambda function.
   */
  putObject(key: string, body: string, metadata?: Record<string, string>): Promise<S3Event>;
}

export interface SesStoredMail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: { name: string; value: string }[];
  /** When the emulator took the mail, in whole seconds since the epoch. */
  at?: number;
}

export interface TestAwsOptions {
  visibilityTimeoutSeconds?: number;
}

/**
 * Starts in-memory emulators on free ports with a fresh table, queues and bucket (s3rver, its objects in
 * a temporary directory removed by stop()): each test file gets its own, so files never see each
 * other's data.
 */
export async function startTestAws(options: TestAwsOptions = {}): Promise<TestAws> {
  const s3DataDir = await mkdtemp(join(tmpdir(), 'campaign-mailer-s3-'));
  const removeS3Data = () => rm(s3DataDir, { recursive: true, force: true });
  let emulators: RunningEmulators;
  try {
    emulators = await startEmulators({
      s3: { bucket: `uploads-${randomUUID().slice(0, 8)}`, dataDir: s3DataDir },
    });
  } catch (error) {
    await removeS3Data();
    throw error;
  }
  const clients = localClients(emulators.endpoints);
  if (emulators.s3 === undefined) throw new Error('s3rver did not start');
  const s3 = testS3(emulators.s3);
  let scheduler: RunningScheduler | undefined;
  const stop = async () => {
    await scheduler?.stop();
    clients.destroy();
    s3.client.destroy();
    try {
      await emulators.stop();
    } finally {
      await removeS3Data();
    }
  };
  try {
    const tableName = `EmailSends-${randomUUID().slice(0, 8)}`;
    await ensureTable(clients.dynamodb, tableName);
    const queues = await ensureQueues(clients.sqs, options);
    scheduler = await startSchedulerEmulator(clients.sqs);
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queues.writeQueueUrl, AttributeNames: ['QueueArn'] }),
    );
    return {
      emulators,
      clients,
      tableName,
      queues,
      s3,
      scheduler,
      scheduleTarget: {
        groupName: 'campaign-mailer-test',
        queueArn: String(Attributes?.QueueArn),
        roleArn: 'arn:aws:iam::000000000000:role/campaign-mailer-scheduler',
      },
      sentMails: async () => {
        const response = await fetch(`${emulators.endpoints.sesv2}/store`);
        const store = (await response.json()) as { emails: SesStoredMail[] };
        return store.emails;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

function testS3(running: NonNullable<RunningEmulators['s3']>): TestS3 {
  const client = s3ClientFor(running.endpoint);
  // s3rver emits an event per created object; each PUT waits for the one that names its key.
  const waiting = new Map<string, (event: S3Event) => void>();
  running.onEvent((event) => {
    for (const record of event.Records) {
      const key = record.s3.object.key;
      waiting.get(key)?.({ Records: [record] });
      waiting.delete(key);
    }
  });
  return {
    endpoint: running.endpoint,
    bucket: running.bucket,
    client,
    putObject: async (key, body, metadata = {}) => {
      if (waiting.has(key)) throw new Error(`a PUT of ${key} is already waiting for its event`);
      const created = new Promise<S3Event>((resolve) => waiting.set(key, resolve));
      try {
        await client.send(
          new PutObjectCommand({ Bucket: running.bucket, Key: key, Body: body, Metadata: metadata }),
        );
      } catch (error) {
        waiting.delete(key);
        throw error;
      }
      return created;
    },
  };
}

/** The clients a function's entry creates for itself: DynamoDB (documents), SQS and S3. */
export interface FunctionClients {
  documents: LocalClients['documents'];
  sqs: LocalClients['sqs'];
  s3: S3Client;
}

/**
 * New clients against the emulators, for a test that adds middleware to them (fault injection): the
 * middleware then stays with that test. destroy() closes them.
 */
export function freshClients(aws: TestAws): FunctionClients & { destroy(): void } {
  const clients = localClients(aws.emulators.endpoints);
  const s3 = s3ClientFor(aws.s3.endpoint);
  return {
    documents: clients.documents,
    sqs: clients.sqs,
    s3,
    destroy: () => {
      clients.destroy();
      s3.destroy();
    },
  };
}

function s3ClientFor(endpoint: string): S3Client {
  return new S3Client({
    ...s3ClientOptions({ forcePathStyle: true }),
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
}
