import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { s3ClientOptions } from '../../lambdas/core/aws/s3-client.js';
import { ensureTable } from '../../lambdas/core/store/table-provisioning.js';
import { type RunningEmulators, startEmulators } from '../../local/emulators.js';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalClients,
  localClients,
} from '../../local/local-clients.js';
import { ensureQueues, type QueueUrls } from '../../local/provision.js';

export interface TestAws {
  emulators: RunningEmulators;
  clients: LocalClients;
  tableName: string;
  queues: QueueUrls;
  /** The S3 stand-in (s3rver), only when startTestAws was asked for it. */
  s3?: TestS3;
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
}

export interface TestAwsOptions {
  visibilityTimeoutSeconds?: number;
  /** Start s3rver too (on a free port, objects in a temporary directory removed by stop()). */
  s3?: boolean;
}

/**
 * Starts in-memory emulators on free ports with a fresh table and queues: each test file gets its
 * own, so files never see each other's data. s3rver only when `s3` is set, so other files do not pay
 * for it.
 */
export async function startTestAws(options: TestAwsOptions & { s3: true }): Promise<TestAws & { s3: TestS3 }>;
export async function startTestAws(options?: TestAwsOptions): Promise<TestAws>;
export async function startTestAws(options: TestAwsOptions = {}): Promise<TestAws> {
  const s3DataDir = options.s3 ? await mkdtemp(join(tmpdir(), 'campaign-mailer-s3-')) : undefined;
  const removeS3Data = async () => {
    if (s3DataDir) await rm(s3DataDir, { recursive: true, force: true });
  };
  let emulators: RunningEmulators;
  try {
    emulators = await startEmulators(
      s3DataDir ? { s3: { bucket: `uploads-${randomUUID().slice(0, 8)}`, dataDir: s3DataDir } } : {},
    );
  } catch (error) {
    await removeS3Data();
    throw error;
  }
  const clients = localClients(emulators.endpoints);
  const s3 = emulators.s3 ? testS3(emulators.s3) : undefined;
  const stop = async () => {
    clients.destroy();
    s3?.client.destroy();
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
    return {
      emulators,
      clients,
      tableName,
      queues,
      ...(s3 ? { s3 } : {}),
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
  const client = new S3Client({
    ...s3ClientOptions({ forcePathStyle: true }),
    endpoint: running.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
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
