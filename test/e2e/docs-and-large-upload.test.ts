import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphql, type RunnerProcess, startRunnerProcess, waitFor } from '../helpers/local-runner-process.js';

let runner: RunnerProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mailer-e2e-docs-'));
  runner = await startRunnerProcess({ LOCAL_DATA_DIR: dataDir });
});
afterAll(async () => {
  await runner?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

interface BatchCounts {
  batch: { batchId: string; total: number; counts: Record<string, number> } | null;
}

const batchCounts = (batchId: string) =>
  graphql<BatchCounts>(
    runner,
    'query($id: String!) { batch(batchId: $id) { batchId total counts { pending queued sending sent error } } }',
    { id: batchId },
  );

describe('Swagger UI and the OpenAPI document through the local runner', () => {
  it('serves /openapi.json and /docs without a key, and every asset the page loads', async () => {
    const document = await fetch(`${runner.apiUrl}/openapi.json`);
    expect(document.status).toBe(200);
    expect(((await document.json()) as { openapi: string }).openapi).toBe('3.1.0');

    const page = await fetch(`${runner.apiUrl}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const assets = [...(await page.text()).matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(assets.length).toBe(3);
    for (const asset of assets) {
      const response = await fetch(`${runner.apiUrl}${asset}`);
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
    const response = await fetch(`${runner.apiUrl}/campaigns/upload`, {
      method: 'POST',
      headers: { accept: 'application/json', 'x-api-key': runner.apiKey },
      body: form,
    });
    expect(response.status).toBe(202);
    expect(((await response.json()) as { accepted: number }).accepted).toBeGreaterThan(0);
  });
});

describe('GraphiQL through the local runner', () => {
  it('renders GraphiQL with no internet: the page and every file it loads come from the local API', async () => {
    const page = await fetch(`${runner.apiUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    const files = [...new Set(html.match(/\/docs\/[^"'\s>]+/g))];
    // The style sheet, the bundle and Monaco's three editor workers.
    expect(files).toHaveLength(5);
    for (const file of files) {
      const response = await fetch(`${runner.apiUrl}${file}`);
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
    const response = await fetch(`${runner.apiUrl}/campaigns/uploads`, { method: 'POST' });
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
    const answer = await fetch(`${runner.apiUrl}/campaigns/uploads`, {
      method: 'POST',
      headers: { 'x-api-key': runner.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ fileName: 'big.csv', size: Buffer.byteLength(csv) }),
    });
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
    const lifetime = Date.parse(upload.expiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(14 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(15 * 60_000);

    const put = await fetch(upload.uploadUrl, { method: 'PUT', headers: upload.headers, body: csv });
    expect(put.status).toBe(200);

    const batch = await waitFor('every send of the large upload to be SENT', async () => {
      const data = await batchCounts(upload.batchId);
      return data.batch?.counts.sent === rows ? data.batch : undefined;
    });
    expect(batch.total).toBe(rows);
    expect(batch.counts).toEqual({ pending: 0, queued: 0, sending: 0, sent: rows, error: 0 });
  });
});

describe('a large file refused as a whole, seen in GraphQL', () => {
  it('tells the analyst why the file was refused, though no batch exists', async () => {
    const csv = 'email,content\nsomeone@example.com,Hi';
    const answer = await fetch(`${runner.apiUrl}/campaigns/uploads`, {
      method: 'POST',
      headers: { 'x-api-key': runner.apiKey, 'content-type': 'application/json' },
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
    const seen = await waitFor('the upload to be refused', async () => {
      const data = await graphql<UploadAnswer>(
        runner,
        'query($id: String!) { upload(batchId: $id) { state error { code message } batch { batchId } } batch(batchId: $id) { batchId } }',
        { id: upload.batchId },
      );
      return data.upload?.state === 'FAILED' ? data : undefined;
    });
    expect(seen).toEqual({
      upload: {
        state: 'FAILED',
        error: { code: 'MISSING_COLUMNS', message: expect.stringMatching(/missing required column/) },
        batch: null,
      },
      batch: null,
    });
  });
});
