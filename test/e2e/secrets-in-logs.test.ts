import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { UNSUBSCRIBE_SECRET_FILE } from '../../local/unsubscribe-secret.js';
import { graphql, runnerForThisFile } from '../helpers/local-runner-process.js';
import { pollUntil } from '../helpers/poll.js';

/**
 * A whole run of `npm start` at the most verbose log level: keys used, refused and created, an upload
 * with good, bad and duplicate rows and simulator addresses that bounce, the sends delivered and
 * queried, an unsubscribe through a mail's link. Then everything the process wrote is searched: each key
 * appears once at most (the development key, where start-up printed it), the unsubscribe key and link's
 * token never, and no uploaded address appears at all.
 */

const run = promisify(execFile);
const local = runnerForThisFile({ POWERTOOLS_LOG_LEVEL: 'DEBUG' });

const ADDRESSES = [
  'Secret.Reader@Example.com',
  'second.reader@example.org',
  'bounce+secret@simulator.amazonses.com',
  'success+secret@simulator.amazonses.com',
];
const CSV = [
  'email,subject,content',
  ...ADDRESSES.map((address, i) => `${address},Hello ${i},Body ${i}`),
  // A duplicate, and a row refused for its address, which the report shows but no log may.
  `${ADDRESSES[0]?.toUpperCase()},Again,Body`,
  'not-an-address@,Hi,Body',
  '',
].join('\n');

async function createAnalystKey(): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'ops/apikey.ts', 'create', '--name', 'analyst', '--scopes', 'read', '--local'],
    { env: { ...process.env, LOCAL_DATA_DIR: local.dataDir } },
  );
  const key = stdout.trim().split('\n').at(-1) ?? '';
  if (!key.startsWith('cmk_')) throw new Error(`unexpected apikey output:\n${stdout}`);
  return key;
}

const occurrences = (text: string, needle: string) =>
  text.toLowerCase().split(needle.toLowerCase()).length - 1;

describe('the logs of a full local run', () => {
  it('hold no key but where it was printed once, and no uploaded address', async () => {
    const { runner } = local;
    const analystKey = await createAnalystKey();
    const refusedKey = 'cmk_refused-key-nobody-ever-created-0000000000';

    const refused = await fetch(`${runner.apiUrl}/campaigns/upload`, {
      method: 'POST',
      headers: { 'x-api-key': refusedKey, 'content-type': 'text/csv' },
      body: CSV,
    });
    expect(refused.status).toBe(401);
    const upload = await fetch(`${runner.apiUrl}/campaigns/upload`, {
      method: 'POST',
      headers: { 'x-api-key': runner.apiKey, 'content-type': 'text/csv', 'idempotency-key': 'secrets-run' },
      body: CSV,
    });
    expect(upload.status).toBe(202);
    const { batchId } = (await upload.json()) as { batchId: string };

    const reader = { apiUrl: runner.apiUrl, apiKey: analystKey };
    await pollUntil(
      'every send of the batch to be finished',
      () =>
        graphql<{ batch: { finished: boolean } | null }>(
          reader,
          'query($id: String!) { batch(batchId: $id) { finished } }',
          { id: batchId },
        ),
      (data) => data.batch?.finished === true,
    );
    const sends = await graphql<{ emailSends: { email: string }[] }>(
      reader,
      'query($id: String!) { emailSends(batchId: $id) { email status errorMessage } }',
      { id: batchId },
    );
    expect(sends.emailSends).toHaveLength(ADDRESSES.length);
    // A query with the refused key, and one that fails validation, which Yoga logs at DEBUG.
    await graphql({ apiUrl: runner.apiUrl, apiKey: refusedKey }, '{ __typename }').catch(() => {});
    await graphql(reader, '{ emailSends { nothing } }').catch(() => {});

    // A recipient unsubscribes through a mail's link: its token is the only key it needs.
    const stored = (await (await fetch(`${runner.mailViewerUrl}/store`)).json()) as {
      emails: { headers?: { name: string; value: string }[] }[];
    };
    const link = /^<([^>]+)>/.exec(
      stored.emails[0]?.headers?.find((h) => h.name === 'List-Unsubscribe')?.value ?? '',
    )?.[1];
    const token = link?.split('/').at(-1) ?? '';
    expect(token).toHaveLength(64);
    const unsubscribed = await fetch(String(link), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(unsubscribed.status).toBe(200);
    const unsubscribeKey = readFileSync(join(local.dataDir, UNSUBSCRIBE_SECRET_FILE), 'utf8').trim();

    await runner.stop();
    const output = runner.output();
    expect(output).toContain('"level":"DEBUG"');
    expect(occurrences(output, runner.apiKey)).toBe(1);
    expect(occurrences(output, analystKey)).toBe(0);
    expect(occurrences(output, refusedKey)).toBe(0);
    expect(occurrences(output, unsubscribeKey)).toBe(0);
    expect(occurrences(output, token)).toBe(0);
    for (const address of [...ADDRESSES, 'not-an-address@']) {
      expect([address, occurrences(output, address)]).toEqual([address, 0]);
    }
  });
});
