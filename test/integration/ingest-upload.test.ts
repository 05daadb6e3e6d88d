import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeyCheck } from '../../lambdas/core/http/api-key-check.js';
import { ApiKeyStore } from '../../lambdas/core/store/api-key-store.js';
import { IdempotencyStore } from '../../lambdas/core/store/idempotency-store.js';
import { createIngestHandler } from '../../lambdas/upload-api/handler.js';
import { createTestKey } from '../helpers/api-keys.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { httpApiEvent } from '../helpers/http-api-event.js';
import { multipartBody } from '../helpers/multipart.js';
import { countsOf, storesOf } from '../helpers/send-pipeline.js';

let aws: TestAws;
let key: string;
let stores: ReturnType<typeof storesOf>;
let handler: ReturnType<typeof createIngestHandler>;
let failNextEnqueue = false;

beforeAll(async () => {
  aws = await startTestAws();
  key = await createTestKey(aws, ['upload']);
  stores = storesOf(aws);
  const { queue } = stores;
  const clock = () => new Date();
  handler = createIngestHandler({
    sends: stores.sends,
    contents: stores.contents,
    batches: stores.batches,
    queue: {
      enqueue: async (refs) => {
        if (failNextEnqueue) {
          failNextEnqueue = false;
          throw new Error('queue outage');
        }
        await queue.enqueue(refs);
      },
    } as typeof queue,
    clock,
    newBatchId: randomUUID,
    chunkRows: 25,
    maxBodyBytes: 64 * 1024,
    apiKeys: new ApiKeyCheck(new ApiKeyStore(aws.clients.documents, aws.tableName), clock, {
      cacheSeconds: 0,
      cacheEntries: 10,
    }),
    idempotency: new IdempotencyStore(aws.clients.documents, aws.tableName, {
      leaseSeconds: 60,
      ttlSeconds: 3600,
    }),
  });
});
afterAll(() => aws.stop());

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Record<string, unknown>;
}

async function post(
  body: Buffer | string,
  options: { contentType?: string; headers?: Record<string, string>; query?: string } = {},
): Promise<Answer> {
  const event = httpApiEvent({
    method: 'POST',
    path: '/campaigns/upload',
    headers: { 'x-api-key': key, 'content-type': options.contentType ?? 'text/csv', ...options.headers },
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
    ...(options.query ? { query: options.query } : {}),
  });
  const result = (await handler(event, {} as Context)) as APIGatewayProxyStructuredResultV2;
  return {
    status: result.statusCode ?? 0,
    body: JSON.parse(String(result.body)) as Record<string, unknown>,
    headers: result.headers ?? {},
  };
}

async function uploadFixture(name: string, headers: Record<string, string> = {}) {
  const form = await multipartBody([{ name: 'file', content: fixture(name), fileName: name }]);
  return post(form.body, { contentType: form.contentType, headers });
}

async function queuedMessages(): Promise<number> {
  const out = await aws.clients.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: aws.queues.queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

describe('POST /campaigns/upload answers', () => {
  it('202 for a Windows-1252 ; CRLF file, saying windows-1252, with the report stored on the batch', async () => {
    const answer = await uploadFixture('windows-1252.csv');
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({
      received: 2,
      accepted: 2,
      duplicates: 0,
      invalid: 0,
      encoding: 'windows-1252',
      dryRun: false,
    });
    const batchId = String(answer.body.batchId);
    const batch = await stores.batches.getBatch(batchId);
    expect(batch).toMatchObject({
      batchId,
      accepted: 2,
      encoding: 'windows-1252',
      errors: [],
      duplicatesList: [],
      truncated: false,
    });
  });

  it.each([
    ['bom.csv', 2, 'utf-8'],
    ['crlf.csv', 3, 'utf-8'],
    ['semicolon.csv', 2, 'utf-8'],
    ['tab.csv', 2, 'utf-8'],
    ['excel-semicolon-bom.csv', 2, 'utf-8'],
    ['quoted-newlines.csv', 3, 'utf-8'],
    ['blank-lines.csv', 2, 'utf-8'],
  ])('202 for %s', async (name, accepted, encoding) => {
    const answer = await uploadFixture(name);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ accepted, invalid: 0, encoding });
  });

  it('202 with every error and duplicate at its line for a file with broken rows and duplicates', async () => {
    const answer = await post(`${fixture('broken-rows.csv')}ANA@example.com,Hi,Again\n`);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({
      received: 7,
      accepted: 2,
      invalid: 4,
      duplicates: 1,
      duplicatesList: [{ line: 8, email: 'ana@example.com', firstLine: 2 }],
      truncated: false,
    });
    expect((answer.body.errors as { line: number }[]).map((e) => e.line)).toEqual([3, 4, 5, 6]);
  });

  it('202 rejecting a subject with a line break (header injection)', async () => {
    const answer = await uploadFixture('header-injection.csv');
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ accepted: 1, invalid: 2 });
    expect(answer.body.errors).toEqual([
      { line: 2, reason: 'subject contains a line break', value: 'Hello\r\nBcc: victim@example.net' },
      { line: 4, reason: 'subject contains a line break', value: 'Hello\nBcc: victim@example.net' },
    ]);
  });

  it('caps long lists while keeping the totals exact', async () => {
    const rows = Array.from({ length: 1200 }, (_, i) => `bad-${i},Hi,Hello\n`).join('');
    const answer = await post(`email,subject,content\nok@example.com,Hi,Hello\n${rows}`);
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ accepted: 1, invalid: 1200, truncated: true });
    expect(answer.body.errors).toHaveLength(1000);
  });

  it.each([
    ['empty.csv', 'EMPTY_FILE'],
    ['header-only.csv', 'NO_DATA_ROWS'],
    ['missing-columns.csv', 'MISSING_COLUMNS'],
  ])('400 for %s, naming the problem', async (name, problem) => {
    const answer = await uploadFixture(name);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ problem });
  });

  it('400 naming the missing columns', async () => {
    const answer = await uploadFixture('missing-columns.csv');
    expect(answer.body.error).toBe(
      'missing required column(s): subject (subject, asunto); content (content, body, html, contenido)',
    );
  });

  it('400 for a placeholder that names no column, with the placeholder and its line, and no batch', async () => {
    const before = await queuedMessages();
    const answer = await uploadFixture('unknown-placeholder.csv');
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: 'line 2: placeholder {{firstname}} names no column (personalisation columns: first_name)',
      problem: 'UNKNOWN_PLACEHOLDER',
      line: 2,
      placeholder: 'firstname',
    });
    expect(await queuedMessages()).toBe(before);
  });

  it('415 for a body that is not CSV', async () => {
    const answer = await post('{"email":"a@example.com"}', { contentType: 'application/json' });
    expect(answer.status).toBe(415);
  });

  it('413 above the size limit, pointing to the large-file upload', async () => {
    const answer = await post(`email,subject,content\n${'a@example.com,Hi,Hello\n'.repeat(4000)}`);
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ largeFileUpload: 'POST /campaigns/uploads' });
  });

  it('202 for a gzip-compressed upload, read as if sent plain', async () => {
    const answer = await post(gzipSync(fixture('duplicates.csv')), {
      headers: { 'content-encoding': 'gzip' },
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ accepted: 2, duplicates: 3 });
  });

  it('413 for a compressed upload that unpacks past the size limit (a zip bomb), pointing to the large-file upload', async () => {
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024, 'a'));
    const answer = await post(bomb, { headers: { 'content-encoding': 'gzip' } });
    expect(answer).toMatchObject({
      status: 413,
      body: { maxBytes: 64 * 1024, largeFileUpload: 'POST /campaigns/uploads' },
    });
  });

  it('202 for a UTF-16 file with a byte order mark, saying utf-16le', async () => {
    const csv = 'email\tsubject\tcontent\nana@example.com\tOlá\tHola €\n';
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csv, 'utf16le')]);
    const form = await multipartBody([{ name: 'file', content: bytes, fileName: 'unicode.txt' }]);
    const answer = await post(form.body, { contentType: form.contentType });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ accepted: 1, encoding: 'utf-16le' });
  });

  it('422 with the report and no batchId when no row can be sent', async () => {
    const before = await queuedMessages();
    const answer = await post('email,subject,content\nnot-an-email,Hi,Hello\nana@example.com,,Hello\n');
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ received: 2, accepted: 0, invalid: 2 });
    expect(answer.body.batchId).toBeUndefined();
    expect(await queuedMessages()).toBe(before);
  });

  it('422 for a file whose every row is longer than a row may be', async () => {
    const huge = 'x'.repeat(40_000);
    const answer = await post(`email,subject,content,notes\nana@example.com,Hi,Hello,${huge}\n`);
    expect(answer.status).toBe(422);
    expect(answer.body.errors).toMatchObject([
      { line: 2, reason: 'personalisation columns hold more than 32 KB' },
    ]);
  });

  it('stores dryRun on every send and echoes it, from ?dryRun=true or a form field', async () => {
    const viaQuery = await post(fixture('duplicates.csv'), { query: 'dryRun=true' });
    expect(viaQuery.status).toBe(202);
    expect(viaQuery.body).toMatchObject({ dryRun: true, accepted: 2, duplicates: 3 });
    const form = await multipartBody([
      { name: 'file', content: fixture('bom.csv'), fileName: 'bom.csv' },
      { name: 'dryRun', content: 'true' },
    ]);
    const viaForm = await post(form.body, { contentType: form.contentType });
    expect(viaForm.body).toMatchObject({ dryRun: true, accepted: 2 });
    const batch = String(viaForm.body.batchId);
    const { sendIdFor } = await import('../../lambdas/core/domain/send-id.js');
    const send = await stores.sends.getSend(sendIdFor(batch, 'ana@example.com'));
    expect(send).toMatchObject({ dryRun: true, status: 'QUEUED' });
    expect(await stores.batches.getBatch(batch)).toMatchObject({ dryRun: true });
  });
});

describe('the example files of the README', () => {
  it.each([
    ['campaign.csv', { accepted: 5, duplicates: 0, invalid: 0, encoding: 'utf-8' }],
    ['excel-semicolon.csv', { accepted: 3, duplicates: 0, invalid: 0, encoding: 'windows-1252' }],
    ['duplicates.csv', { accepted: 3, duplicates: 2, invalid: 0, encoding: 'utf-8' }],
    ['broken-rows.csv', { accepted: 2, duplicates: 0, invalid: 5, encoding: 'utf-8' }],
    ['personalisation.csv', { accepted: 3, duplicates: 0, invalid: 0, encoding: 'utf-8' }],
  ])('answers 202 for %s as the README says', async (name, expected) => {
    const content = readFileSync(new URL(`../../example_csv/${name}`, import.meta.url));
    const form = await multipartBody([{ name: 'file', content, fileName: name }]);
    const answer = await post(form.body, { contentType: form.contentType });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject(expected);
  });
});

describe('Idempotency-Key', () => {
  it('answers a retry with the first answer and enqueues nothing twice', async () => {
    const idempotencyKey = randomUUID();
    const first = await uploadFixture('crlf.csv', { 'idempotency-key': idempotencyKey });
    const queued = await queuedMessages();
    // A retry is a new form: another boundary, the same file.
    const retry = await uploadFixture('crlf.csv', { 'idempotency-key': idempotencyKey });
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await queuedMessages()).toBe(queued);
  });

  it('answers 409 for the same key with a different file', async () => {
    const idempotencyKey = randomUUID();
    expect((await uploadFixture('crlf.csv', { 'idempotency-key': idempotencyKey })).status).toBe(202);
    const other = await uploadFixture('bom.csv', { 'idempotency-key': idempotencyKey });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ problem: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('gives the same 400 again to a retried unusable file', async () => {
    const idempotencyKey = randomUUID();
    const first = await uploadFixture('missing-columns.csv', { 'idempotency-key': idempotencyKey });
    const retry = await uploadFixture('missing-columns.csv', { 'idempotency-key': idempotencyKey });
    expect(first.status).toBe(400);
    expect(retry).toMatchObject({ status: 400, body: first.body });
  });

  it('lets one of two concurrent uploads with a key run and tells the other it is in progress', async () => {
    const idempotencyKey = randomUUID();
    const rows = Array.from({ length: 300 }, (_, i) => `c${i}@example.com,Hi,Hello\n`).join('');
    const csv = `email,subject,content\n${rows}`;
    const answers = await Promise.all([
      post(csv, { headers: { 'idempotency-key': idempotencyKey } }),
      post(csv, { headers: { 'idempotency-key': idempotencyKey } }),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409]);
    const inProgress = answers.find((a) => a.status === 409);
    expect(inProgress?.body).toMatchObject({ problem: 'IDEMPOTENCY_KEY_IN_PROGRESS' });
    // Retry-After says in the header what retryAfterSeconds says in the body.
    const retryAfter = inProgress?.body.retryAfterSeconds;
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(inProgress?.headers['retry-after']).toBe(String(retryAfter));
  });

  it('resumes into the same batch after a failed attempt, without a second batch', async () => {
    const idempotencyKey = randomUUID();
    const rows = Array.from({ length: 60 }, (_, i) => `r${i}@example.com,Hi,Hello\n`).join('');
    const csv = `email,subject,content\n${rows}`;
    failNextEnqueue = true;
    const failed = await post(csv, { headers: { 'idempotency-key': idempotencyKey } });
    expect(failed.status).toBe(500);
    const retry = await post(csv, { headers: { 'idempotency-key': idempotencyKey } });
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ accepted: 60 });
    const counts = await countsOf(aws, String(retry.body.batchId));
    expect(counts.QUEUED + counts.PENDING).toBe(60);
  });

  it('refuses a key that is not printable ASCII', async () => {
    const answer = await post(fixture('bom.csv'), { headers: { 'idempotency-key': 'x'.repeat(300) } });
    expect(answer.status).toBe(400);
  });
});
