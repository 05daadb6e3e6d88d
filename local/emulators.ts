import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import type sesEmulatorModule from 'aws-ses-v2-local';
import { createSqsServer } from 'local-aws-sqs';

const require = createRequire(import.meta.url);
// Loaded through require so that the CommonJS default export resolves the same under tsx and vitest.
const startSes = (require('aws-ses-v2-local') as typeof sesEmulatorModule).default;

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
}

export interface RunningEmulators {
  endpoints: EmulatorEndpoints;
  /** Where a person sees the mails the SES emulator received (undefined for an external SES). */
  mailViewerUrl?: string;
  stop(): Promise<void>;
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
      const server = await startSes({ host, port: options.sesPort ?? 0 });
      servers.push(server);
      sesv2 = urlOf((server.address() as AddressInfo).port);
      mailViewerUrl = sesv2;
    }

    return {
      endpoints: { dynamodb, sqs, sesv2 },
      ...(mailViewerUrl ? { mailViewerUrl } : {}),
      stop: async () => {
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
