import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type sesEmulatorModule from 'aws-ses-v2-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/local-clients.js';
import { liveRunnerState } from '../../local/runner-state.js';
import type { SesStoredMail } from '../helpers/aws-emulators.js';
import { graphql, type RunnerProcess, startRunnerProcess } from '../helpers/local-runner-process.js';
import { pollUntil } from '../helpers/poll.js';

const require = createRequire(import.meta.url);
const startSes = (require('aws-ses-v2-local') as typeof sesEmulatorModule).default;
const run = promisify(execFile);

let ses: Server;
let sesUrl: string;
let gateway: Server;
let sesDown = true;
let dataDir: string;
let runner: RunnerProcess;

/** SES as the runner sees it: 503 while `sesDown`, the emulator otherwise. */
async function startSesGateway(): Promise<string> {
  gateway = createServer(async (request, response) => {
    if (sesDown) {
      response.writeHead(503, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: 'Service Unavailable' }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const forwarded = await fetch(`${sesUrl}${request.url}`, {
      method: request.method ?? 'GET',
      // Signed headers (authorization, x-amz-*) must reach the emulator unchanged.
      headers: Object.entries(request.headers).flatMap(([name, value]) =>
        typeof value === 'string' && !['host', 'content-length', 'connection'].includes(name)
          ? [[name, value]]
          : [],
      ) as [string, string][],
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    response.writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? '' });
    response.end(Buffer.from(await forwarded.arrayBuffer()));
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  ses = await startSes({ host: '127.0.0.1', port: 0 });
  sesUrl = `http://127.0.0.1:${(ses.address() as AddressInfo).port}`;
  dataDir = mkdtempSync(join(tmpdir(), 'mailer-redrive-'));
  runner = await startRunnerProcess({
    LOCAL_DATA_DIR: dataDir,
    AWS_ENDPOINT_URL_SESV2: await startSesGateway(),
    // Three quick deliveries, so that the messages reach the DLQ within the test.
    LOCAL_VISIBILITY_TIMEOUT_SECONDS: '1',
    SEND_LEASE_SECONDS: '1',
  });
});
afterAll(async () => {
  await runner?.stop();
  await new Promise((r) => gateway.close(r));
  await new Promise((r) => ses.close(r));
  rmSync(dataDir, { recursive: true, force: true });
});

describe('redriving the dead-letter queue of the local runner', () => {
  it('gives up on sends SES keeps failing, then mails each once after `npm run redrive`', async () => {
    const rows = ['a', 'b', 'c'].map((n) => `redrive-${n}@example.com,Hi,Hello`);
    const upload = await fetch(`${runner.apiUrl}/campaigns/upload`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', 'x-api-key': runner.apiKey },
      body: `email,subject,content\n${rows.join('\n')}\n`,
    });
    const { batchId } = (await upload.json()) as { batchId: string };
    const deadLetters = async () => {
      const state = liveRunnerState(dataDir);
      if (!state) throw new Error('the runner is not running');
      const sqs = new SQSClient({
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        endpoint: state.sqsEndpoint,
      });
      try {
        const out = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: state.deadLetterQueueUrl,
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
        );
        return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
      } finally {
        sqs.destroy();
      }
    };
    const counts = async () =>
      (
        await graphql<{ batch: { counts: Record<string, number> } }>(
          runner,
          'query($id: String!) { batch(batchId: $id) { counts { pending queued sending sent error } } }',
          { id: batchId },
        )
      ).batch.counts;

    await pollUntil('every send to give up', counts, (seen) => seen.error === 3, { timeoutMs: 30_000 });
    const { emailSends } = await graphql<{ emailSends: { errorMessage: string }[] }>(
      runner,
      'query($id: String!) { emailSends(batchId: $id) { errorMessage } }',
      { id: batchId },
    );
    for (const send of emailSends) expect(send.errorMessage).toMatch(/^retries exhausted after 3 deliveries/);

    // A send is marked ERROR on its last receive, before SQS moves its message to the DLQ at the next
    // receive: wait for the three messages to be there, or the redrive could run without the last one.
    await pollUntil('the three messages to reach the DLQ', deadLetters, (count) => count >= 3);

    sesDown = false;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'ops/redrive.ts', '--local'], {
      env: { ...process.env, LOCAL_DATA_DIR: dataDir },
    });
    // At least the three original messages; the sweeper may have re-enqueued a released send meanwhile,
    // and such a copy dead-letters too. Copies are harmless: the claim lets one delivery through.
    expect(Number(/Moved (\d+) message\(s\)/.exec(stdout)?.[1])).toBeGreaterThanOrEqual(3);
    await pollUntil('every send to be SENT', counts, (seen) => seen.sent === 3, { timeoutMs: 30_000 });

    const { emails } = (await (await fetch(`${sesUrl}/store`)).json()) as { emails: SesStoredMail[] };
    expect(emails.map((m) => m.destination.to[0]).sort()).toEqual([
      'redrive-a@example.com',
      'redrive-b@example.com',
      'redrive-c@example.com',
    ]);
  }, 90_000);
});
