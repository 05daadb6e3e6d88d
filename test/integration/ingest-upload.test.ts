import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPLOAD_KEY_PREFIX } from '../../lambdas/contract/upload-object.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import { ApiKeyCheck } from '../../lambdas/core/http/api-key-check.js';
import { ApiKeyStore } from '../../lambdas/core/store/api-key-store.js';
import { IdempotencyStore } from '../../lambdas/core/store/idempotency-store.js';
import { createIngestHandler } from '../../lambdas/upload-api/handler.js';
import { createWriterHandler } from '../../lambdas/writer/handler.js';
import { createTestKey } from '../helpers/api-keys.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { httpApiEvent } from '../helpers/http-api-event.js';
import { multipartBody } from '../helpers/multipart.js';
import {
  acceptDepsFor,
  FULL_WRITER_TIME,
  storesOf,
  uploadEventFor,
  writerDepsFor,
} from '../helpers/send-pipeline.js';

let aws: TestAws;
let key: string;
let stores: ReturnType<typeof storesOf>;
let handler: ReturnType<typeof createIngestHandler>;
let failNextStore = false;

beforeAll(async () => {
  aws = await startTestAws();
  key = await createTestKey(aws, ['upload']);
  stores = storesOf(aws);
  const { files } = stores;
  const clock = () => new Date();
  handler = createIngestHandler({
    ...acceptDepsFor(aws),
    // An S3 outage while the file is stored, which s3rver cannot have on demand.
    files: {
      put: async (...args) => {
        if (failNextStore) {
          failNextStore = false;
          throw new Error('S3 outage');
        }
        await files.put(...args);
      },
      exists: (batchId) => files.exists(batchId),
      bucket: files.bucket,
    },
    newBatchId: randomUUID,
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

/**
 * Posts an upload. The fixtures are uploaded many times over: each upload says allowDuplicate unless
 * `checkDuplicate` (the tests of the duplicate check).
 */
async function post(
  body: Buffer | string,
  options: {
    contentType?: string;
    headers?: Record<string, string>;
    query?: string;
    checkDuplicate?: boolean;
  } = {},
): Promise<Answer> {
  const query = [options.query, options.checkDuplicate ? undefined : 'allowDuplicate=true'].filter(Boolean);
  const event = httpApiEvent({
    method: 'POST',
    path: '/campaigns/upload',
    headers: { 'x-api-key': key, 'content-type': options.contentType ?? 'text/csv', ...options.headers },
    body: Buffer.isBuffer(body) ? body : Buffer.from(body),
    ...(query.length > 0 ? { query: query.join('&') } : {}),
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

/** Files stored for the writer so far. */
async function storedUploads(): Promise<number> {
  const out = await aws.s3.client.send(
    new ListObjectsV2Command({ Bucket: aws.s3.bucket, Prefix: UPLOAD_KEY_PREFIX }),
  );
  return out.KeyCount ?? 0;
}

/** Runs the writer on the uploaded file of `batchId`, as S3's event on the write queue makes it. */
async function write(batchId: string): Promise<void> {
  const result = await createWriterHandler(writerDepsFor(aws))(
    uploadEventFor(aws, batchId),
    FULL_WRITER_TIME,
  );
  expect(result.batchItemFailures).toEqual([]);
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
    const before = await storedUploads();
    const answer = await uploadFixture('unknown-placeholder.csv');
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: 'line 2: placeholder {{firstname}} names no column (personalisation columns: first_name)',
      problem: 'UNKNOWN_PLACEHOLDER',
      line: 2,
      placeholder: 'firstname',
    });
    expect(await storedUploads()).toBe(before);
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
    const before = await storedUploads();
    const answer = await post('email,subject,content\nnot-an-email,Hi,Hello\nana@example.com,,Hello\n');
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ received: 2, accepted: 0, invalid: 2 });
    expect(answer.body.batchId).toBeUndefined();
    expect(await storedUploads()).toBe(before);
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
    await write(batch);
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
  it('answers a retry with the first answer and stores the file once', async () => {
    const idempotencyKey = randomUUID();
    const first = await uploadFixture('crlf.csv', { 'idempotency-key': idempotencyKey });
    const stored = await storedUploads();
    // A retry is a new form: another boundary, the same file.
    const retry = await uploadFixture('crlf.csv', { 'idempotency-key': idempotencyKey });
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await storedUploads()).toBe(stored);
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

  it('answers the retry of an attempt that failed to store the file (S3 outage injected), with one batch', async () => {
    const idempotencyKey = randomUUID();
    const rows = Array.from({ length: 60 }, (_, i) => `r${i}@example.com,Hi,Hello\n`).join('');
    const csv = `email,subject,content\n${rows}`;
    const before = await storedUploads();
    failNextStore = true;
    const failed = await post(csv, { headers: { 'idempotency-key': idempotencyKey } });
    expect(failed.status).toBe(500);
    expect(await storedUploads()).toBe(before);
    const retry = await post(csv, { headers: { 'idempotency-key': idempotencyKey } });
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ accepted: 60 });
    expect(await storedUploads()).toBe(before + 1);
    expect(await stores.batches.getBatch(String(retry.body.batchId))).toMatchObject({ accepted: 60 });
  });

  it('refuses a key that is not printable ASCII', async () => {
    const answer = await post(fixture('bom.csv'), { headers: { 'idempotency-key': 'x'.repeat(300) } });
    expect(answer.status).toBe(400);
  });
});

describe('the answer of an upload', () => {
  it('stores the file and the batch, and neither writes a send nor queues one: the writer does', async () => {
    const sendsQueued = await queuedMessages();
    const csv = `email,subject,content\nfast-${randomUUID()}@example.com,Hi,Hello\n`;
    const answer = await post(csv, { query: 'dryRun=true' });
    expect(answer.status).toBe(202);
    const batchId = String(answer.body.batchId);
    expect(await stores.files.exists(batchId)).toBe(true);
    expect(await stores.batches.getBatch(batchId)).toMatchObject({ batchId, accepted: 1, dryRun: true });
    // Noted for the writer, not written by it yet: the batch is on the unfinished list.
    expect(await stores.writers.get(batchId)).toMatchObject({ state: 'WRITING', runs: 0, rowsWritten: 0 });
    expect(await queuedMessages()).toBe(sendsQueued);
    const opened = await stores.files.open(`uploads/${batchId}.csv`);
    opened?.body.destroy();
    expect(opened?.dryRun).toBe(true);
  });
});

describe('the same file uploaded twice', () => {
  const freshCsv = () => `email,subject,content\ntwice-${randomUUID()}@example.com,Hi,Hello\n`;

  it('is refused with 409, naming the batch it became, unless allowDuplicate says it is meant', async () => {
    const csv = freshCsv();
    const first = await post(csv, { checkDuplicate: true });
    expect(first.status).toBe(202);
    const again = await post(csv, { checkDuplicate: true });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({
      problem: 'DUPLICATE_FILE',
      batchId: first.body.batchId,
      uploadedAt: expect.any(String),
    });
    expect(String(again.body.error)).toContain('allowDuplicate=true');
    const meant = await post(csv, { query: 'allowDuplicate=true', checkDuplicate: true });
    expect(meant.status).toBe(202);
    expect(meant.body.batchId).not.toBe(first.body.batchId);
    // As a form field too, as Swagger UI sends it.
    const form = await multipartBody([
      { name: 'file', content: csv, fileName: 'list.csv' },
      { name: 'allowDuplicate', content: 'true' },
    ]);
    expect((await post(form.body, { contentType: form.contentType, checkDuplicate: true })).status).toBe(202);
  });

  it('is no duplicate under an Idempotency-Key: the key decides, as before', async () => {
    const csv = freshCsv();
    expect((await post(csv, { checkDuplicate: true })).status).toBe(202);
    const keyed = await post(csv, { headers: { 'idempotency-key': randomUUID() }, checkDuplicate: true });
    expect(keyed.status).toBe(202);
  });

  it('is told to come back later while the first upload of it is still being answered', async () => {
    const csv = freshCsv();
    const sha256 = createHash('sha256').update(csv).digest('hex');
    // An upload of the same file registered it a moment ago and has not stored it yet.
    await stores.registry.register(sha256, randomUUID(), new Date(), 29_000);
    const answer = await post(csv, { checkDuplicate: true });
    expect(answer.status).toBe(409);
    expect(answer.body).toMatchObject({ problem: 'DUPLICATE_FILE_IN_PROGRESS' });
    expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(answer.headers['retry-after']).toBe(String(answer.body.retryAfterSeconds));
  });

  it('goes ahead when the earlier upload of it died before storing it', async () => {
    const csv = freshCsv();
    const sha256 = createHash('sha256').update(csv).digest('hex');
    // Registered by an upload that had 1 ms to answer and never stored the file or its batch.
    await stores.registry.register(sha256, randomUUID(), new Date(Date.now() - 60_000), 1);
    const answer = await post(csv, { checkDuplicate: true });
    expect(answer.status).toBe(202);
    expect((await post(csv, { checkDuplicate: true })).body).toMatchObject({
      problem: 'DUPLICATE_FILE',
      batchId: answer.body.batchId,
    });
  });
});
