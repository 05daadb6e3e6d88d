import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { graphql, runnerForThisFile } from '../helpers/local-runner-process.js';
import { pollUntil } from '../helpers/poll.js';

const local = runnerForThisFile();

interface BatchCounts {
  batch: { batchId: string; total: number; counts: Record<string, number> } | null;
}

const batchCounts = (batchId: string) =>
  graphql<BatchCounts>(
    local.runner,
    'query($id: String!) { batch(batchId: $id) { batchId total counts { pending queued sending sent error } } }',
    { id: batchId },
  );

describe('Swagger UI and the OpenAPI document through the local runner', () => {
  it('serves /openapi.json and /docs without a key, and every asset the page loads', async () => {
    const document = await fetch(`${local.runner.apiUrl}/openapi.json`);
    expect(document.status).toBe(200);
    expect(((await document.json()) as { openapi: string }).openapi).toBe('3.1.0');

    const page = await fetch(`${local.runner.apiUrl}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const assets = [...(await page.text()).matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets.length).toBe(3);
    for (const asset of assets) {
      const response = await fetch(`${local.runner.apiUrl}${asset}`);
      expect([asset, response.status]).toEqual([asset, 200]);
      expect(response.headers.get('content-type')).toMatch(
        asset.endsWith('.css') ? /^text\/css/ : /^text\/javascript/,
      );
      expect((await response.text()).length).toBeGreaterThan(100);
    }
  });

  it('accepts the multipart upload Swagger UI sends for "Try it out" with the key from Authorize', async () => {
    // What Swagger UI's fetch sends for a multipart/form-data operation with a binary `file` property.
    const form = new FormData();
    form.append(
      'file',
      new Blob([readFileSync('example_csv/campaign.csv')], { type: 'text/csv' }),
      'campaign.csv',
    );
    const response = await fetch(`${local.runner.apiUrl}/campaigns/upload`, {
      method: 'POST',
      headers: { accept: 'application/json', 'x-api-key': local.runner.apiKey },
      body: form,
    });
    expect(response.status).toBe(202);
    // example_csv/campaign.csv: five rows, five distinct valid addresses, plain UTF-8.
    expect(await response.json()).toEqual({
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
  });
});

describe('GraphiQL through the local runner', () => {
  it('renders GraphiQL with no internet: the page and every file it loads come from the local API', async () => {
    const page = await fetch(`${local.runner.apiUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    const files = [...new Set(html.match(/\/docs\/[^"'\s>]+/g))];
    // The style sheet, the bundle and Monaco's three editor workers.
    expect(files).toHaveLength(5);
    for (const file of files) {
      const response = await fetch(`${local.runner.apiUrl}${file}`);
      expect([file, response.status]).toEqual([file, 200]);
      expect(response.headers.get('content-type')).toMatch(
        file.endsWith('.css') ? /^text\/css/ : /^text\/javascript/,
      );
      expect((await response.text()).length).toBeGreaterThan(100_000);
    }
  });
});

describe('large files through a pre-signed upload URL', () => {
  it('refuses to give out an upload URL without a key', async () => {
    const response = await fetch(`${local.runner.apiUrl}/campaigns/uploads`, { method: 'POST' });
    expect(response.status).toBe(401);
  });

  it('ingests a CSV PUT to the pre-signed URL as the batch it announced, and mails every row', async () => {
    const rows = 30;
    const csv = [
      'email,subject,content,first_name',
      ...Array.from(
        { length: rows },
        (_, i) => `big${i}@example.com,Hello {{first_name}},Hi {{first_name}},N${i}`,
      ),
      'not-an-address,Hello,Hi,X',
      'big0@example.com,Again,Again,Y',
    ].join('\n');
    const asked = Date.now();
    const answer = await fetch(`${local.runner.apiUrl}/campaigns/uploads`, {
      method: 'POST',
      headers: { 'x-api-key': local.runner.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ fileName: 'big.csv', size: Buffer.byteLength(csv) }),
    });
    const answered = Date.now();
    expect(answer.status).toBe(201);
    const upload = (await answer.json()) as {
      batchId: string;
      uploadUrl: string;
      method: string;
      headers: Record<string, string>;
      expiresAt: string;
    };
    expect(upload.method).toBe('PUT');
    expect(upload.uploadUrl).toContain(`uploads/${upload.batchId}.csv`);
    expect(upload.uploadUrl).toContain('X-Amz-Signature=');
    expect(upload.headers['content-length']).toBe(String(Buffer.byteLength(csv)));
    // Valid for UPLOAD_URL_SECONDS (900 by default) from the moment the function signed it, which lies
    // between the request and its answer however slow the machine.
    expect(new URL(upload.uploadUrl).searchParams.get('X-Amz-Expires')).toBe('900');
    const signedAt = Date.parse(upload.expiresAt) - 900_000;
    expect(signedAt).toBeGreaterThanOrEqual(asked);
    expect(signedAt).toBeLessThanOrEqual(answered);

    const put = await fetch(upload.uploadUrl, { method: 'PUT', headers: upload.headers, body: csv });
    expect(put.status).toBe(200);

    const { batch } = await pollUntil(
      'every send of the large upload to be SENT',
      () => batchCounts(upload.batchId),
      (data): data is { batch: NonNullable<BatchCounts['batch']> } => data.batch?.counts.sent === rows,
    );
    expect(batch.total).toBe(rows);
    expect(batch.counts).toEqual({ pending: 0, queued: 0, sending: 0, sent: rows, error: 0 });
  });
});

describe('a large file refused as a whole, seen in GraphQL', () => {
  it('tells the analyst why the file was refused, though no batch exists', async () => {
    const csv = 'email,content\nsomeone@example.com,Hi';
    const answer = await fetch(`${local.runner.apiUrl}/campaigns/uploads`, {
      method: 'POST',
      headers: { 'x-api-key': local.runner.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ fileName: 'no-subject.csv', size: Buffer.byteLength(csv) }),
    });
    expect(answer.status).toBe(201);
    const upload = (await answer.json()) as {
      batchId: string;
      uploadUrl: string;
      headers: Record<string, string>;
    };
    const put = await fetch(upload.uploadUrl, { method: 'PUT', headers: upload.headers, body: csv });
    expect(put.status).toBe(200);

    interface UploadAnswer {
      upload: { state: string; error: { code: string; message: string } | null; batch: unknown } | null;
      batch: unknown;
    }
    const seen = await pollUntil(
      'the upload to be refused',
      () =>
        graphql<UploadAnswer>(
          local.runner,
          'query($id: String!) { upload(batchId: $id) { state error { code message } batch { batchId } } batch(batchId: $id) { batchId } }',
          { id: upload.batchId },
        ),
      (data) => data.upload?.state === 'FAILED',
    );
    expect(seen).toEqual({
      upload: {
        state: 'FAILED',
        error: { code: 'MISSING_COLUMNS', message: 'missing required column(s): subject (subject, asunto)' },
        batch: null,
      },
      batch: null,
    });
  });
});
