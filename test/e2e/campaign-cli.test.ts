import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { graphql, runnerForThisFile } from '../helpers/local-runner-process.js';
import { pollUntil } from '../helpers/poll.js';

/**
 * `npm run campaign -- …` end to end: the CLI as its own process against the local runner, as a
 * marketer runs it, and the runner's console as the developer reads it meanwhile.
 */

const API_KEY = 'cmk_campaign-cli-test-development-key';
/** Above this, POST /campaigns/upload answers 413 (6 MB on AWS): small files then take the large route. */
const BODY_LIMIT = 2048;
const local = runnerForThisFile({
  LOCAL_API_KEY: API_KEY,
  MAX_UPLOAD_BYTES: String(BODY_LIMIT),
  // Slow enough that a batch of 40 is still going out when the user detaches.
  MAX_SEND_RATE: '10',
});
const files = mkdtempSync(join(tmpdir(), 'campaign-cli-'));
afterAll(() => rmSync(files, { recursive: true, force: true }));

interface Run {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

function campaign(args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/campaign.ts', ...args], {
    env: {
      ...process.env,
      CAMPAIGN_API_URL: local.runner.apiUrl,
      CAMPAIGN_API_KEY: API_KEY,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

function csvOf(rows: number, prefix: string): string {
  const path = join(files, `${prefix}.csv`);
  const lines = Array.from(
    { length: rows },
    (_, i) => `${prefix}${i}@example.com,Hello {{name}},Hi {{name}}: our spring offer is here for you,N${i}`,
  );
  writeFileSync(path, ['email,subject,content,name', ...lines].join('\n'));
  return path;
}

const batchIdIn = (text: string) => /batch ([0-9a-f-]{36})/i.exec(text)?.[1] ?? '';
const linesOf = (text: string, pattern: RegExp) => text.split('\n').filter((line) => pattern.test(line));

describe('campaign send', () => {
  it('uploads a small file directly and follows the batch until its last mail is out', async () => {
    const run = campaign(['send', 'example_csv/campaign.csv']);
    expect(await run.exited).toBe(0);
    expect(run.stdout()).toMatch(/^Batch [0-9a-f-]{36}: 5 of 5 rows accepted, 0 duplicates, 0 invalid\.$/m);
    expect(run.stdout()).toMatch(/^Finished: 5 sent, 0 failed in [\d.]+m?s \([\d.]+ mails\/s\)\.$/m);
    expect(run.stderr()).toMatch(/Uploading campaign\.csv: 100% \(897 B of 897 B\)/);
    expect(run.stderr()).toMatch(/: 5\/5 done, sent 5, errors 0, /);

    // The runner's console: one line for the upload, one for the finished batch, nothing else of it.
    const batchId = batchIdIn(run.stdout());
    await pollUntil(
      'the runner to print the finished batch',
      async () => local.runner.output(),
      (output) => output.includes(`batch ${batchId} finished`),
    );
    expect(linesOf(local.runner.output(), new RegExp(batchId))).toEqual([
      `upload ${batchId}: 5 of 5 rows accepted (0 duplicates, 0 invalid)`,
      expect.stringMatching(
        new RegExp(`^batch ${batchId} finished: 5 sent, 0 failed in [\\d.]+m?s, [\\d.]+ mails/s$`),
      ),
    ]);
  });

  it('sends a file above the body limit the API answers with through a pre-signed upload', async () => {
    const path = csvOf(30, 'large');
    appendFileSync(path, '\nnot-an-address,Hello,Hi,X');
    const run = campaign(['send', path]);
    expect(await run.exited).toBe(0);
    const out = run.stdout();
    expect(out).toContain('The API takes at most 2.0 kB directly: uploading as a large file.');
    expect(out).toMatch(/^Uploaded large\.csv \([\d.]+ kB\) as batch [0-9a-f-]{36}\.$/m);
    expect(out).toMatch(/: 30 of 31 rows accepted, 0 duplicates, 1 invalid\.$/m);
    expect(out).toMatch(/^ {2}line 32: .*\("not-an-address"\)$/m);
    expect(out).toMatch(/^Finished: 30 sent, 0 failed in /m);
    const batchId = batchIdIn(out);
    expect(local.runner.output()).toContain(`large upload ${batchId} (large.csv): 30 of 31 rows accepted`);
  });

  it('detaches on Ctrl-C, and the campaign goes on without it', async () => {
    const run = campaign(['send', '--interval', '200', csvOf(40, 'detach')]);
    // The file is above the body limit too: it goes the large way, then the bar starts.
    await pollUntil(
      'the progress of the batch',
      async () => run.stderr(),
      (text) => / done, sent \d+/.test(text),
    );
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    const batchId = batchIdIn(run.stdout());
    expect(run.stdout()).toContain(`Detached: batch ${batchId} goes on sending.`);
    expect(run.stdout()).not.toContain('Finished:');
    const sent = await pollUntil(
      'the detached batch to finish',
      () =>
        graphql<{ batch: { finished: boolean; counts: { sent: number } } }>(
          { apiUrl: local.runner.apiUrl, apiKey: API_KEY },
          'query($id: String!) { batch(batchId: $id) { finished counts { sent } } }',
          { id: batchId },
        ),
      (seen) => seen.batch.finished,
    );
    expect(sent.batch.counts.sent).toBe(40);
  });

  it('explains a refusal in words, with what the API said, and exits 1', async () => {
    const wrongKey = campaign(['send', 'example_csv/campaign.csv'], {
      CAMPAIGN_API_KEY: 'cmk_not-a-key-of-this-api',
    });
    expect(await wrongKey.exited).toBe(1);
    expect(wrongKey.stderr()).toContain('The API did not accept the key: invalid or revoked API key');

    const noColumns = campaign(['send', 'test/fixtures/missing-columns.csv']);
    expect(await noColumns.exited).toBe(1);
    expect(noColumns.stderr()).toContain(
      'The file lacks a required column: it needs email, subject and content.',
    );
    expect(noColumns.stderr()).toContain('Nothing was sent.');
  });
});

describe('campaign status', () => {
  it("tells a batch's recipients, sent and failed, and when it finished", async () => {
    const sent = campaign(['send', 'example_csv/duplicates.csv']);
    expect(await sent.exited).toBe(0);
    const batchId = batchIdIn(sent.stdout());
    const run = campaign(['status', batchId]);
    expect(await run.exited).toBe(0);
    expect(run.stdout().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^Batch ${batchId}, uploaded \\S+$`)),
      '  3 recipients: 3 sent, 0 failed, 0 to go (2 duplicate and 0 invalid rows left out)',
      expect.stringMatching(/^ {2}finished \S+ at [\d.]+ mails\/s$/),
      '',
    ]);
  });

  it('says so when no batch has the id', async () => {
    const run = campaign(['status', '00000000-0000-4000-8000-000000000000']);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain('No batch 00000000-0000-4000-8000-000000000000');
  });
});

describe("the runner's console", () => {
  it('has no metrics warning, and no line of an upload or batch but those above', async () => {
    // The detached campaign may still be going out: its line comes when it finishes.
    const output = await pollUntil(
      'a finished line for each of the 4 campaigns',
      async () => local.runner.output(),
      (seen) => linesOf(seen.slice(seen.indexOf('API key:')), /^batch /).length >= 4,
      { timeoutMs: 60_000 },
    );
    expect(output).not.toContain('No application metrics');
    const afterBanner = output.slice(output.indexOf('API key:'));
    const campaignLines = linesOf(afterBanner, /^(upload|large upload|batch) /);
    // campaign.csv, large.csv, detach.csv, duplicates.csv and the refused file: 4 uploads, 4 finished.
    expect(campaignLines.filter((line) => /^(upload|large upload) [0-9a-f-]{36}/.test(line))).toHaveLength(4);
    expect(campaignLines.filter((line) => line.startsWith('batch '))).toHaveLength(4);
    expect(
      campaignLines.filter((line) => line.startsWith('upload refused (400 MISSING_COLUMNS)')),
    ).toHaveLength(1);
  });
});
