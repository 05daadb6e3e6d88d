import { randomUUID } from 'node:crypto';
import { type RunningEmulators, startEmulators } from '../../local/emulators.js';
import { type LocalClients, localClients } from '../../local/local-clients.js';
import { ensureQueues, ensureTable, type QueueUrls } from '../../local/provision.js';

export interface TestAws {
  emulators: RunningEmulators;
  clients: LocalClients;
  tableName: string;
  queues: QueueUrls;
  /** Mails the SES emulator has received, newest last. */
  sentMails(): Promise<SesStoredMail[]>;
  stop(): Promise<void>;
}

export interface SesStoredMail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  headers?: { name: string; value: string }[];
}

/**
 * Starts in-memory emulators on free ports with a fresh table and queues: each test file gets its
 * own, so files never see each other's data.
 */
export async function startTestAws(options: { visibilityTimeoutSeconds?: number } = {}): Promise<TestAws> {
  const emulators = await startEmulators();
  const clients = localClients(emulators.endpoints);
  const tableName = `EmailSends-${randomUUID().slice(0, 8)}`;
  await ensureTable(clients.dynamodb, tableName);
  const queues = await ensureQueues(clients.sqs, options);
  return {
    emulators,
    clients,
    tableName,
    queues,
    sentMails: async () => {
      const response = await fetch(`${emulators.endpoints.sesv2}/store`);
      const store = (await response.json()) as { emails: SesStoredMail[] };
      return store.emails;
    },
    stop: async () => {
      clients.destroy();
      await emulators.stop();
    },
  };
}
