import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type sesEmulatorModule from 'aws-ses-v2-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDynamoEmulator } from '../../local/emulators.js';
import type { SesStoredMail } from '../helpers/aws-emulators.js';
import { graphql, type RunnerProcess, startRunnerProcess } from '../helpers/local-runner-process.js';
import { pollUntil } from '../helpers/poll.js';

const require = createRequire(import.meta.url);
const startSes = (require('aws-ses-v2-local') as typeof sesEmulatorModule).default;

const ROWS = 1500;
const SENDER_CONCURRENCY = 4;

let ses: Server;
let sesUrl: string;
let dynamo: { endpoint: string; stop(): Promise<void> };
let dataDir: string;
let runner: RunnerProcess | undefined;

beforeAll(async () => {
  // The SES emulator keeps mails in memory: it lives in the test process so that the mails sent before
  // the crash are still there to count after it.
  ses = await startSes({ host: '127.0.0.1', port: 0 });
  sesUrl = `http://127.0.0.1:${(ses.address() as AddressInfo).port}`;
  // DynamoDB lives here too: the kill is a crash of our code, as when a Lambda dies, not of the
  // database. dynalite keeps an item and its index entries in separate writes, so killing it mid-update
  // could leave a send that no index lists, which real DynamoDB never does.
  dynamo = await startDynamoEmulator('127.0.0.1');
  dataDir = mkdtempSync(join(tmpdir(), 'mailer-crash-'));
});
afterAll(async () => {
  await runner?.stop();
  await new Promise((r) => ses.close(r));
  await dynamo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const runnerEnv = () => ({
  LOCAL_DATA_DIR: dataDir,
  AWS_ENDPOINT_URL_SESV2: sesUrl,
  AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
  LOCAL_SENDER_CONCURRENCY: String(SENDER_CONCURRENCY),
  SEND_LEASE_SECONDS: '2',
  SWEEP_SENDING_AFTER_SECONDS: '1',
  LOCAL_SWEEP_INTERVAL_SECONDS: '1',
});

async function mailsByAddress(): Promise<Map<string, number>> {
  const response = await fetch(`${sesUrl}/store`);
  const { emails } = (await response.json()) as { emails: SesStoredMail[] };
  const counts = new Map<string, number>();
  for (const mail of emails) {
    const to = mail.destination.to[0] ?? '';
    counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}

describe('a local run killed with SIGKILL mid-campaign', () => {
  it('mails every accepted address after a restart, duplicating at most the sends in flight at the kill', async () => {
    runner = await startRunnerProcess(runnerEnv());
    const rows = Array.from({ length: ROWS }, (_, i) => `crash${i}@example.com,Hello ${i},Body ${i}`);
    const upload = await fetch(`${runner.apiUrl}/campaigns/upload`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', 'x-api-key': runner.apiKey },
      body: `email,subject,content\n${rows.join('\n')}\n`,
    });
    expect(upload.status, runner.output()).toBe(202);
    const { batchId, accepted } = (await upload.json()) as { batchId: string; accepted: number };
    expect(accepted).toBe(ROWS);

    await pollUntil(
      'the campaign to be under way (50 addresses mailed)',
      async () => (await mailsByAddress()).size,
      (mailed) => mailed >= 50,
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    await runner.kill();
    const atKill = await mailsByAddress();
    expect(atKill.size).toBeLessThan(ROWS);

    runner = await startRunnerProcess(runnerEnv());
    try {
      await pollUntil(
        'every send to be SENT after the restart',
        async () =>
          (
            await graphql<{ batch: { counts: Record<string, number> } | null }>(
              runner as RunnerProcess,
              'query($id: String!) { batch(batchId: $id) { counts { pending queued sending sent error } } }',
              { id: batchId },
            )
          ).batch?.counts,
        (counts) => counts?.sent === ROWS,
        // Sends whose claim was still leased at the kill come back after the local visibility timeout
        // (30 s); the margin is for a busy machine running the other test files beside this one.
        { timeoutMs: 150_000, intervalMs: 250 },
      );
    } catch (error) {
      // Read only then: the mail store of 1,500 mails is too large to fetch at every probe.
      throw new Error(`${String(error)}; ${(await mailsByAddress()).size} addresses mailed`);
    }

    const final = await mailsByAddress();
    const missing = rows.map((_, i) => `crash${i}@example.com`).filter((address) => !final.has(address));
    expect(missing).toEqual([]);
    const duplicates = [...final.values()].reduce((sum, n) => sum + (n - 1), 0);
    // Only a send inside the SES call when the process died can go out twice: one per sender lane.
    expect(duplicates).toBeLessThanOrEqual(SENDER_CONCURRENCY);
  }, 240_000);
});
