import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type sesEmulatorModule from 'aws-ses-v2-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SuppressionStore } from '../../lambdas/core/store/suppression-store.js';
import { tableClient } from '../../lambdas/core/store/table-client.js';
import { startDynamoEmulator } from '../../local/emulators.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/local-clients.js';
import type { SesStoredMail } from '../helpers/aws-emulators.js';
import { graphql, type RunnerProcess, startRunnerProcess } from '../helpers/local-runner-process.js';
import { pollUntil } from '../helpers/poll.js';

const require = createRequire(import.meta.url);
const startSes = (require('aws-ses-v2-local') as typeof sesEmulatorModule).default;

/**
 * SES's events through `npm start`, with SES as another process (AWS_ENDPOINT_URL_SESV2, an
 * aws-ses-v2-local the test runs) and DynamoDB too, so that the test reads the suppression list itself.
 */
let ses: Server;
let sesUrl: string;
let dynamo: { endpoint: string; stop(): Promise<void> };
let dataDir: string;
let runner: RunnerProcess;

beforeAll(async () => {
  ses = await startSes({ host: '127.0.0.1', port: 0 });
  sesUrl = `http://127.0.0.1:${(ses.address() as AddressInfo).port}`;
  dynamo = await startDynamoEmulator('127.0.0.1');
  dataDir = mkdtempSync(join(tmpdir(), 'mailer-ses-events-'));
  runner = await startRunnerProcess({
    LOCAL_DATA_DIR: dataDir,
    AWS_ENDPOINT_URL_SESV2: sesUrl,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
  });
}, 60_000);
afterAll(async () => {
  await runner?.stop();
  await new Promise((resolve) => ses?.close(resolve));
  await dynamo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Each address of SES's mailbox simulator, and the status its events end its send in. */
const EXPECTED: Record<string, string> = {
  'success@simulator.amazonses.com': 'DELIVERED',
  'bounce@simulator.amazonses.com': 'BOUNCED',
  'complaint@simulator.amazonses.com': 'COMPLAINED',
  'suppressionlist@simulator.amazonses.com': 'BOUNCED',
  'ooto@simulator.amazonses.com': 'DELIVERED',
  'bounce+spring@simulator.amazonses.com': 'BOUNCED',
  // No mailbox reports on another address locally: SES's Send only.
  'ana.garcia@example.com': 'SENT',
};

describe('SES events through the local runner', () => {
  it('end each send to a mailbox simulator address in its status, suppress the bounced and complained addresses, and keep them out of the next campaign', async () => {
    const csv = [
      'email,subject,content',
      ...Object.keys(EXPECTED).map((a, i) => `${a},Hello ${i},Body ${i}`),
    ];
    const upload = await fetch(`${runner.apiUrl}/campaigns/upload`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', 'x-api-key': runner.apiKey },
      body: `${csv.join('\n')}\n`,
    });
    expect(upload.status, runner.output()).toBe(202);
    const { batchId } = (await upload.json()) as { batchId: string };

    const statuses = async () => {
      const { emailSends } = await graphql<{ emailSends: { email: string; status: string }[] }>(
        runner,
        'query($id: String!) { emailSends(batchId: $id) { email status } }',
        { id: batchId },
      );
      return Object.fromEntries(emailSends.map((s) => [s.email, s.status]));
    };
    const seen = await pollUntil(
      'every send to end in the status of its events',
      statuses,
      (now) => Object.entries(EXPECTED).every(([email, status]) => now[email] === status),
      { timeoutMs: 45_000, intervalMs: 250 },
    );
    expect(seen).toEqual(EXPECTED);

    const { documents, raw } = tableClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      endpoint: dynamo.endpoint,
    });
    try {
      const list = new SuppressionStore(documents, 'EmailSendsV2');
      const reasons = Object.fromEntries(
        await Promise.all(
          Object.keys(EXPECTED).map(async (email) => {
            const entry = await list.get(email);
            return [email, entry ? `${entry.reason}:${entry.detail}` : 'none'];
          }),
        ),
      );
      expect(reasons).toEqual({
        'success@simulator.amazonses.com': 'none',
        'bounce@simulator.amazonses.com': 'BOUNCED:General',
        'complaint@simulator.amazonses.com': 'COMPLAINED:abuse',
        'suppressionlist@simulator.amazonses.com': 'BOUNCED:OnAccountSuppressionList',
        'ooto@simulator.amazonses.com': 'none',
        'bounce+spring@simulator.amazonses.com': 'BOUNCED:General',
        'ana.garcia@example.com': 'none',
      });
    } finally {
      raw.destroy();
    }

    // Every mail reached the external SES process once.
    const mailed = async () =>
      ((await (await fetch(`${sesUrl}/store`)).json()) as { emails: SesStoredMail[] }).emails.map(
        (m) => m.destination.to[0],
      );
    expect((await mailed()).sort()).toEqual(Object.keys(EXPECTED).sort());

    // A second campaign to the same addresses reports those the events suppressed, and mails only the others.
    const again = await fetch(`${runner.apiUrl}/campaigns/upload`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', 'x-api-key': runner.apiKey },
      // Another file (the same one again would be refused as a duplicate upload).
      body: `${csv.join('\n').replaceAll('Hello', 'Hello again')}\n`,
    });
    expect(again.status, runner.output()).toBe(202);
    const second = (await again.json()) as {
      batchId: string;
      accepted: number;
      suppressed: number;
      suppressedList: { line: number; email: string; reason: string }[];
    };
    const line = (email: string) => Object.keys(EXPECTED).indexOf(email) + 2;
    expect(second.suppressedList.sort((a, b) => a.line - b.line)).toEqual(
      [
        ['bounce@simulator.amazonses.com', 'BOUNCED'],
        ['complaint@simulator.amazonses.com', 'COMPLAINED'],
        ['suppressionlist@simulator.amazonses.com', 'BOUNCED'],
        ['bounce+spring@simulator.amazonses.com', 'BOUNCED'],
      ].map(([email, reason]) => ({ line: line(email as string), email, reason })),
    );
    expect([second.accepted, second.suppressed]).toEqual([3, 4]);
    await pollUntil(
      'the second campaign to be mailed',
      mailed,
      (to) => to.length === Object.keys(EXPECTED).length + 3,
      { timeoutMs: 30_000 },
    );
    const twice = (await mailed()).filter((to, i, all) => all.indexOf(to) !== i);
    expect(twice.sort()).toEqual(
      ['success@simulator.amazonses.com', 'ooto@simulator.amazonses.com', 'ana.garcia@example.com'].sort(),
    );
  }, 120_000);
});
