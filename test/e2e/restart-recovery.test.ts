import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type RunnerProcess, startRunnerProcess } from '../helpers/local-runner-process.js';
import { pollUntil } from '../helpers/poll.js';

/**
 * After a crash with many sends unfinished, `npm start` puts every one of them back on its fresh
 * in-memory queue. That recovery runs in the background: the API serves at once. Before, it ran
 * before the server listened, and /health took 46 s to answer after a crash with 5,000 sends.
 */

const ROWS = 600;
const dataDir = mkdtempSync(join(tmpdir(), 'mailer-restart-'));
// One send every 10 s: the sends stay unfinished for the whole test, as behind a long queue.
const env = { LOCAL_DATA_DIR: dataDir, MAX_SEND_RATE: '0.1', POWERTOOLS_LOG_LEVEL: 'INFO' };
let runner: RunnerProcess | undefined;

afterAll(async () => {
  await runner?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const RECOVERED = /"message":"recovery finished".*"continued":(\d+).*"requeued":(\d+)/;

/** How many sends the batch has (GraphQL's batch.total), 0 while it has none. */
async function batchTotal(running: RunnerProcess, batchId: string): Promise<number> {
  const answer = await fetch(`${running.apiUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': running.apiKey },
    body: JSON.stringify({
      query: 'query($id: String!) { batch(batchId: $id) { total } }',
      variables: { id: batchId },
    }),
  });
  const body = (await answer.json()) as { data?: { batch?: { total?: number } | null } };
  return body.data?.batch?.total ?? 0;
}

describe('a restart after a crash with many unfinished sends', () => {
  it('answers /health as soon as it prints its URLs, while the recovery runs in the background', async () => {
    runner = await startRunnerProcess(env);
    const rows = Array.from({ length: ROWS }, (_, i) => `restart${i}@example.com,Hello ${i},Body ${i}`);
    const upload = await fetch(`${runner.apiUrl}/campaigns/upload`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', 'x-api-key': runner.apiKey },
      body: `email,subject,content\n${rows.join('\n')}\n`,
    });
    expect(upload.status).toBe(202);
    const accepted = (await upload.json()) as { batchId: string };
    await runner.kill();

    runner = await startRunnerProcess(env);
    const health = await fetch(`${runner.apiUrl}/health`);
    // Read together with the answer: the recovery of 600 sends takes seconds, /health milliseconds.
    const whenHealthy = runner.output();
    expect(health.status).toBe(200);
    expect(whenHealthy).not.toMatch(RECOVERED);

    const output = await pollUntil(
      'the recovery to finish',
      async () => (runner as RunnerProcess).output(),
      (seen) => RECOVERED.test(seen),
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    // The URLs were printed, and so the API served, before the recovery finished.
    expect(output.indexOf('\nAPI: ')).toBeLessThan(output.search(RECOVERED));
    const [, continued, requeued] = RECOVERED.exec(output) ?? [];
    // The file the first run answered for is written on (if its writer had not finished) and every send
    // it had written but not sent went back on the queue: together, never nothing.
    expect(Number(continued) + Number(requeued)).toBeGreaterThan(0);
    // Every accepted row becomes a send, whatever the kill interrupted: none is lost.
    const { batchId } = accepted;
    await pollUntil(
      'every row of the upload to be a send',
      () => batchTotal(runner as RunnerProcess, batchId),
      (total) => total === ROWS,
      { timeoutMs: 120_000, intervalMs: 500 },
    );
  }, 180_000);
});
