import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { graphql, type RunnerProcess, startRunnerProcess } from '../helpers/local-runner-process.js';
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

/** Where the writer is with the batch's file (GraphQL's batch.writing.state), if anywhere. */
async function writerState(running: RunnerProcess, batchId: string): Promise<string | undefined> {
  const data = await graphql<{ batch: { writing: { state: string } | null } | null }>(
    running,
    'query($id: String!) { batch(batchId: $id) { writing { state } } }',
    { id: batchId },
  );
  return data.batch?.writing?.state;
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
    const { batchId } = (await upload.json()) as { batchId: string };
    // Killed once the writer has made every row a send: all of them (but the few sent) are open.
    await pollUntil(
      'every row of the upload to be a send',
      () => writerState(runner as RunnerProcess, batchId),
      (state) => state === 'READY',
      { timeoutMs: 60_000, intervalMs: 250 },
    );
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
    // The writer had finished; every send but the few the first run sent (and any its kill caught
    // mid-write) went back on the queue.
    expect(Number(continued)).toBe(0);
    expect(Number(requeued)).toBeGreaterThan(ROWS - 20);
  }, 180_000);
});
