import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SesStoredMail } from '../helpers/aws-emulators.js';
import { graphql, runnerForThisFile, startRunnerProcess } from '../helpers/local-runner-process.js';
import { pollUntil } from '../helpers/poll.js';

const local = runnerForThisFile();

interface BatchCounts {
  batch: {
    batchId: string;
    createdAt: string;
    total: number;
    counts: Record<string, number>;
    finished: boolean;
    startedAt: string | null;
    finishedAt: string | null;
  } | null;
}

async function mails(): Promise<SesStoredMail[]> {
  const response = await fetch(`${local.runner.mailViewerUrl}/store`);
  return ((await response.json()) as { emails: SesStoredMail[] }).emails;
}

describe('the local pipeline over HTTP', () => {
  it('answers /health with 200', async () => {
    const response = await fetch(`${local.runner.apiUrl}/health`);
    expect(response.status).toBe(200);
  });

  it('mails every accepted address of an uploaded CSV once and lists the sends as SENT in GraphQL', async () => {
    const csv = readFileSync('example_csv/campaign.csv');
    const form = new FormData();
    form.append('file', new Blob([csv], { type: 'text/csv' }), 'campaign.csv');
    const upload = await fetch(`${local.runner.apiUrl}/campaigns/upload`, {
      method: 'POST',
      headers: { 'x-api-key': local.runner.apiKey },
      body: form,
    });
    expect(upload.status).toBe(202);
    const report = (await upload.json()) as { batchId: string; accepted: number };
    // example_csv/campaign.csv: five rows, five distinct valid addresses, plain UTF-8.
    expect(report).toEqual({
      batchId: expect.any(String),
      received: 5,
      accepted: 5,
      duplicates: 0,
      invalid: 0,
      suppressed: 0,
      encoding: 'utf-8',
      dryRun: false,
      errors: [],
      duplicatesList: [],
      suppressedList: [],
      truncated: false,
      sending: { state: 'SENDING', priority: 'normal' },
    });

    const { batch } = await pollUntil(
      'every send of the batch to be SENT',
      () =>
        graphql<BatchCounts>(
          local.runner,
          `query($id: String!) {
          batch(batchId: $id) { batchId createdAt total counts { pending queued sending sent error } finished startedAt finishedAt }
        }`,
          { id: report.batchId },
        ),
      (data): data is { batch: NonNullable<BatchCounts['batch']> } =>
        data.batch?.counts.sent === report.accepted,
    );
    expect(batch.total).toBe(report.accepted);
    expect(batch.counts).toEqual({ pending: 0, queued: 0, sending: 0, sent: report.accepted, error: 0 });
    // The first claim by a sender, and the last send to finish: both after the upload, in that order.
    expect(batch.finished).toBe(true);
    expect(batch.startedAt).not.toBeNull();
    expect(batch.finishedAt).not.toBeNull();
    expect(String(batch.startedAt) >= batch.createdAt).toBe(true);
    expect(String(batch.finishedAt) >= String(batch.startedAt)).toBe(true);

    const seed = await graphql<{
      emailSends: { sendId: string; batchId: string; email: string; status: string }[];
    }>(
      local.runner,
      'query MyQuery { emailSends(status: "SENT") { sendId batchId email subject status createdAt } }',
    );
    const ofBatch = seed.emailSends.filter((s) => s.batchId === report.batchId);
    expect(ofBatch).toHaveLength(report.accepted);
    expect(ofBatch.every((s) => s.status === 'SENT')).toBe(true);

    const received = (await mails()).map((m) => m.destination.to[0]);
    const addresses = ofBatch.map((s) => s.email).sort();
    expect(addresses).toEqual([
      'ana.garcia@example.com',
      'ben.okafor@example.com',
      'chloe.martin@example.com',
      'dev.patel@example.com',
      'emma.schmidt@example.com',
    ]);
    expect(received.filter((to) => addresses.includes(to ?? '')).sort()).toEqual(addresses);
  });

  it('answers a raw text/csv upload with the rejected lines and their reasons', async () => {
    const csv =
      'Email,Subject,Content\nok@example.com,Hi,Hello\nnot-an-address,Hi,Hello\nOK@example.com ,Hi,Again\n';
    const response = await fetch(`${local.runner.apiUrl}/campaigns/upload`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', 'x-api-key': local.runner.apiKey },
      body: csv,
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({
      received: 3,
      accepted: 1,
      duplicates: 1,
      invalid: 1,
      errors: [{ line: 3, reason: 'email is not of the form local@domain', value: 'not-an-address' }],
      duplicatesList: [{ line: 4, email: 'ok@example.com', firstLine: 2 }],
    });
  });

  it('answers 415 with a JSON error for a body that is not CSV', async () => {
    const response = await fetch(`${local.runner.apiUrl}/campaigns/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': local.runner.apiKey },
      body: '{}',
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({
      error:
        'unsupported content type "application/json": send the CSV as multipart/form-data in a field named "file", or as a text/csv body',
      problem: 'UNSUPPORTED_CONTENT_TYPE',
    });
  });
});

describe('the suppression list through the local runner', () => {
  it('is managed over HTTP (PUT, GET, DELETE with an encoded address), and an upload mails no address on it', async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const [listed, mailed] = [`listed+${tag}@example.com`, `mailed+${tag}@example.com`];
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${local.runner.apiUrl}${path}`, {
        ...init,
        headers: { 'x-api-key': local.runner.apiKey, ...init.headers },
      });
    const path = `/suppressions/${encodeURIComponent(listed)}`;
    const put = await api(path, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'asked by phone' }),
    });
    expect([put.status, await put.json()]).toEqual([
      200,
      { email: listed, reason: 'MANUAL', detail: 'asked by phone', addedAt: expect.any(String) },
    ]);
    const found = await api(`/suppressions?email=${encodeURIComponent(listed)}`);
    expect(found.status).toBe(200);

    const upload = await api('/campaigns/upload', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: `email,subject,content\n${listed},Hi,Body\n${mailed},Hi,Body\n`,
    });
    const report = (await upload.json()) as { batchId: string };
    expect([upload.status, report]).toEqual([
      202,
      expect.objectContaining({
        accepted: 1,
        suppressed: 1,
        suppressedList: [{ line: 2, email: listed, reason: 'MANUAL' }],
      }),
    ]);
    await pollUntil(
      'the batch to finish',
      () =>
        graphql<BatchCounts>(local.runner, 'query($id: String!) { batch(batchId: $id) { finished } }', {
          id: report.batchId,
        }),
      (seen) => seen.batch?.finished === true,
    );
    const recipients = (await mails()).flatMap((mail) => mail.destination.to);
    expect(recipients).toContain(mailed);
    expect(recipients).not.toContain(listed);

    expect((await api(path, { method: 'DELETE' })).status).toBe(200);
    expect((await api(path, { method: 'DELETE' })).status).toBe(404);
  });
});

describe('an upload while other processes take the CPU', () => {
  it('answers 202 for a 3,000-row upload with two busy processes beside the runner, and the writer makes every row a send', async () => {
    // One busy loop per core: the machine as loaded as a developer's laptop building something else.
    const busy = [0, 1].map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
    try {
      const rows = Array.from({ length: 3000 }, (_, i) => `loaded${i}@example.com,Hello ${i},Body ${i}`);
      const upload = await fetch(`${local.runner.apiUrl}/campaigns/upload?dryRun=true`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', 'x-api-key': local.runner.apiKey },
        body: `email,subject,content\n${rows.join('\n')}\n`,
      });
      expect(upload.status).toBe(202);
      const { batchId, accepted } = (await upload.json()) as { batchId: string; accepted: number };
      expect(accepted).toBe(3000);
      const written = await pollUntil(
        'the writer to make every row a send',
        () =>
          graphql<{ batch: { total: number; writing: { state: string } | null } | null }>(
            local.runner,
            'query($id: String!) { batch(batchId: $id) { total writing { state } } }',
            { id: batchId },
          ),
        (seen) => seen.batch?.writing?.state === 'READY',
        { timeoutMs: 120_000 },
      );
      expect(written.batch?.total).toBe(3000);
    } finally {
      for (const child of busy) child.kill('SIGKILL');
    }
  }, 180_000);
});

describe('the local runner', () => {
  it('refuses to start against a real AWS endpoint', async () => {
    await expect(
      startRunnerProcess({
        LOCAL_DATA_DIR: join(local.dataDir, 'refused'),
        AWS_ENDPOINT_URL_SQS: 'https://sqs.eu-west-1.amazonaws.com',
      }),
    ).rejects.toThrow(/local mode refuses to use a real AWS endpoint for sqs/);
  });
});
