import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { S3Event } from 'aws-lambda';
import type sesEmulatorModule from 'aws-ses-v2-local';
import { createSqsServer } from 'local-aws-sqs';
import { showHeadersInViewer } from './mail-viewer.js';

const require = createRequire(import.meta.url);
// Loaded through require so that the CommonJS default export resolves the same under tsx and vitest.
const startSes = (require('aws-ses-v2-local') as typeof sesEmulatorModule).default;
/** The SES emulator's store of the mails it took: the module its server keeps them in. */
const sesStore = require('aws-ses-v2-local/dist/store.js') as { getStoreReadonly(): { emails: unknown[] } };

/**
 * Mails the SES emulator keeps for its viewer, the newest. It would keep every mail otherwise: a
 * 10,000-recipient campaign held about 30 MB of them, and the runner's memory grew with every campaign.
 */
export const MAILS_KEPT = 5000;
const MAIL_TRIM_INTERVAL_MS = 2000;

/** Drops the oldest mails past MAILS_KEPT (the store's own array: the viewer reads it). */
function trimSesStore(): void {
  const { emails } = sesStore.getStoreReadonly();
  if (emails.length > MAILS_KEPT) emails.splice(0, emails.length - MAILS_KEPT);
}

/** The parts of s3rver (CommonJS, untyped) used here. */
interface S3rverServer {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  on(event: 'event', listener: (event: S3Event) => void): void;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverServer;

export interface EmulatorEndpoints {
  dynamodb: string;
  sqs: string;
  sesv2: string;
}

export interface EmulatorOptions {
  host?: string;
  /** Directory for the DynamoDB data; in memory when omitted. One process per directory. */
  dataDir?: string;
  /** Port of the SES emulator and its mail viewer; 0 picks a free one. */
  sesPort?: number;
  /** Endpoints that replace an embedded emulator (the standard AWS_ENDPOINT_URL_* values). */
  external?: Partial<EmulatorEndpoints>;
  /** Start the S3 stand-in (s3rver) too, with this bucket, keeping objects in `dataDir`. */
  s3?: { bucket: string; dataDir: string };
}

/** s3rver: S3's REST API (path-style), objects on disk, and object-created events as S3 sends them. */
export interface RunningS3 {
  endpoint: string;
  bucket: string;
  /** Called with each event in S3's notification shape, as S3 would invoke a Lambda function. */
  onEvent(listener: (event: S3Event) => void): void;
}

export interface RunningEmulators {
  endpoints: EmulatorEndpoints;
  /** Where a person sees the mails the SES emulator received (undefined for an external SES). */
  mailViewerUrl?: string;
  s3?: RunningS3;
  stop(): Promise<void>;
}

/**
 * s3rver on a free port with the bucket created. It checks that a request names a known access key
 * but does not verify SigV4 signatures (nor, so, a pre-signed URL's expiry): local credentials are
 * registered so the SDK's signed requests and pre-signed URLs are accepted.
 */
async function startS3Emulator(
  host: string,
  options: { bucket: string; dataDir: string },
): Promise<RunningS3 & { stop(): Promise<void> }> {
  mkdirSync(options.dataDir, { recursive: true });
  const S3rver = require('s3rver') as S3rverConstructor;
  const accounts = require('s3rver/lib/models/account') as {
    DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
  };
  accounts.DUMMY_ACCOUNT.createKeyPair('local', 'local');
  const server = new S3rver({
    address: host,
    port: 0,
    silent: true,
    directory: options.dataDir,
    configureBuckets: [{ name: options.bucket, configs: [] }],
  });
  const address = await server.run();
  return {
    endpoint: `http://${host}:${address.port}`,
    bucket: options.bucket,
    onEvent: (listener) => server.on('event', listener),
    stop: () => server.close(),
  };
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/**
 * dynalite alone on a free port, in a worker thread, with its data in `dataDir` (in memory without
 * one). One process per data directory: LevelDB locks it.
 */
export async function startDynamoEmulator(
  host: string,
  dataDir?: string,
): Promise<{ endpoint: string; stop(): Promise<void> }> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const worker = new Worker(new URL('./dynalite-worker.mjs', import.meta.url), {
    workerData: { host, dataDir },
  });
  const [ready] = (await once(worker, 'message')) as [{ port?: number; error?: string }];
  if (ready.port === undefined) {
    await worker.terminate();
    throw new Error(`the DynamoDB emulator did not start: ${ready.error}`);
  }
  // The runner's own work must not wait on the emulator's thread to exit.
  worker.unref();
  return {
    endpoint: `http://${host}:${ready.port}`,
    stop: async () => {
      const stopped = once(worker, 'message');
      worker.postMessage('stop');
      await stopped;
      await worker.terminate();
    },
  };
}

/**
 * Starts the emulators that stand in for DynamoDB, SQS and SES v2, each on its own port and each
 * speaking the real AWS wire protocol, unless an external endpoint is given for it.
 */
export async function startEmulators(options: EmulatorOptions = {}): Promise<RunningEmulators> {
  const host = options.host ?? '127.0.0.1';
  const servers: Server[] = [];
  const stops: (() => Promise<void>)[] = [];
  const stopAll = () => Promise.all([...servers.map(close), ...stops.map((stop) => stop())]);
  const urlOf = (port: number) => `http://${host}:${port}`;
  try {
    let dynamodb = options.external?.dynamodb;
    if (!dynamodb) {
      const embedded = await startDynamoEmulator(host, options.dataDir);
      stops.push(embedded.stop);
      dynamodb = embedded.endpoint;
    }

    let sqs = options.external?.sqs;
    if (!sqs) {
      const server = await createSqsServer({ port: 0, hostname: host, emulateQueueCreationLifecycle: false });
      servers.push(server);
      sqs = urlOf((server.address() as AddressInfo).port);
    }

    let sesv2 = options.external?.sesv2;
    let mailViewerUrl: string | undefined;
    if (!sesv2) {
      const port = options.sesPort ?? 0;
      const server = await startSes({ host, port });
      servers.push(server);
      // The emulator resolves even when it could not listen (its port taken by another runner, say).
      const address = server.address() as AddressInfo | null;
      if (address === null) {
        throw new Error(
          `the SES emulator could not listen on ${host}:${port}: is another runner using it? Set LOCAL_SES_PORT to another port, or 0 for any`,
        );
      }
      sesv2 = urlOf(address.port);
      if (!showHeadersInViewer(server)) {
        console.warn('the mail viewer shows no headers: its page (aws-ses-v2-local) has changed shape');
      }
      const trimming = setInterval(trimSesStore, MAIL_TRIM_INTERVAL_MS);
      trimming.unref();
      stops.push(async () => clearInterval(trimming));
      mailViewerUrl = sesv2;
    }

    let s3: RunningS3 | undefined;
    if (options.s3) {
      const embedded = await startS3Emulator(host, options.s3);
      stops.push(embedded.stop);
      s3 = embedded;
    }

    return {
      endpoints: { dynamodb, sqs, sesv2 },
      ...(mailViewerUrl ? { mailViewerUrl } : {}),
      ...(s3 ? { s3 } : {}),
      stop: async () => {
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
