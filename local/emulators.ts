import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type sesEmulatorModule from 'aws-ses-v2-local';
import { createSqsServer } from 'local-aws-sqs';

const require = createRequire(import.meta.url);
// dynalite ships no types; it returns a plain http.Server.
const dynalite = require('dynalite') as (options: { path?: string; createTableMs?: number }) => Server;
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

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** dynalite alone on a free port, with its data in `dataDir` (in memory without one). */
export async function startDynamoEmulator(
  host: string,
  dataDir?: string,
): Promise<{ server: Server; endpoint: string }> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const server = dynalite({ ...(dataDir ? { path: dataDir } : {}), createTableMs: 0 });
  const port = await listen(server, host, 0);
  return { server, endpoint: `http://${host}:${port}` };
}

/** Stops a server started here, dropping its open connections. */
export { close as closeServer };

/**
 * Starts the emulators that stand in for DynamoDB, SQS and SES v2, each on its own port and each
 * speaking the real AWS wire protocol, unless an external endpoint is given for it.
 */
export async function startEmulators(options: EmulatorOptions = {}): Promise<RunningEmulators> {
  const host = options.host ?? '127.0.0.1';
  const servers: Server[] = [];
  const urlOf = (port: number) => `http://${host}:${port}`;
  try {
    let dynamodb = options.external?.dynamodb;
    if (!dynamodb) {
      const embedded = await startDynamoEmulator(host, options.dataDir);
      servers.push(embedded.server);
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
        await Promise.all(servers.map(close));
      },
    };
  } catch (error) {
    await Promise.all(servers.map(close));
    throw error;
  }
}
