import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestConfig } from '../../lambdas/core/config/function-config.js';
import { documentClient } from '../../lambdas/core/store/table-client.js';
import { WriterStore } from '../../lambdas/core/store/writer-store.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/local-clients.js';
import { liveRunnerState } from '../../local/runner-state.js';
import type { SesStoredMail } from '../helpers/aws-emulators.js';
import { graphql, type RunnerProcess, startRunnerProcess } from '../helpers/local-runner-process.js';
import { pollUntil } from '../helpers/poll.js';

/**
 * Every case of issue #4 (reading the file, the answers, idempotent uploads, large files) through
 * `npm start`'s program over HTTP: one runner for the whole file, small files.
 */

/** Small, so that the large-file path's limit can be crossed with a few KB. */
const MAX_LARGE_UPLOAD_BYTES = 65_536;

let runner: RunnerProcess;
let dataDir: string;
let writers: WriterStore;
let dynamodb: DynamoDBClient;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mailer-e2e-ingest-'));
  runner = await startRunnerProcess({
    LOCAL_DATA_DIR: dataDir,
    MAX_LARGE_UPLOAD_BYTES: String(MAX_LARGE_UPLOAD_BYTES),
  });
  // The runner holds the embedded DynamoDB; the writer's states are read through its endpoint.
  const state = liveRunnerState(dataDir);
  if (state === undefined) throw new Error(`the runner wrote no state in ${dataDir}`);
  dynamodb = new DynamoDBClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: state.dynamodbEndpoint,
  });
  writers = new WriterStore(documentClient(dynamodb), state.tableName);
});
afterAll(async () => {
  dynamodb?.destroy();
  await runner?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  headers: Headers;
  body: Json;
}

interface RowError {
  line: number;
  reason: string;
  value: string;
}
interface Report extends Json {
  batchId: string;
  received: number;
  accepted: number;
  duplicates: number;
  invalid: number;
  encoding: string;
  errors: RowError[];
  duplicatesList: { line: number; email: string; firstLine: number }[];
  truncated: boolean;
}

async function answerOf(response: Response): Promise<Answer> {
  return { status: response.status, headers: response.headers, body: (await response.json()) as Json };
}

/** `curl -F file=@<name>`: the file in the multipart field `file`. */
async function uploadForm(
  content: Buffer | string,
  fileName = 'list.csv',
  headers: Record<string, string> = {},
): Promise<Answer> {
  const form = new FormData();
  const bytes = typeof content === 'string' ? content : new Uint8Array(content);
  form.append('file', new Blob([bytes], { type: 'text/csv' }), fileName);
  return answerOf(
    await fetch(`${runner.apiUrl}/campaigns/upload`, {
      method: 'POST',
      headers: { 'x-api-key': runner.apiKey, ...headers },
      body: form,
    }),
  );
}

/** A form of any fields: `[name, file, fileName]`. */
async function postForm(parts: [string, Blob, string][]): Promise<Answer> {
  const form = new FormData();
  for (const [name, blob, fileName] of parts) form.append(name, blob, fileName);
  return answerOf(
    await fetch(`${runner.apiUrl}/campaigns/upload`, {
      method: 'POST',
      headers: { 'x-api-key': runner.apiKey },
      body: form,
    }),
  );
}

/** `curl --data-binary @list.csv -H 'content-type: text/csv'`, or any other content type. */
async function uploadRaw(body: Buffer | string, contentType = 'text/csv'): Promise<Answer> {
  return answerOf(
    await fetch(`${runner.apiUrl}/campaigns/upload`, {
      method: 'POST',
      headers: { 'x-api-key': runner.apiKey, 'content-type': contentType },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    }),
  );
}

const report = (answer: Answer) => answer.body as Report;

/** Expects a 202 and gives its report. */
function accepted(answer: Answer): Report {
  expect([answer.status, answer.body]).toEqual([
    202,
    expect.objectContaining({ batchId: expect.any(String) }),
  ]);
  return report(answer);
}

interface BatchView {
  total: number;
  received: number | null;
  duplicates: number | null;
  invalid: number | null;
  finished: boolean;
  counts: Record<string, number>;
  report: {
    encoding: string | null;
    truncated: boolean | null;
    errors: RowError[] | null;
    duplicatesList: { line: number; email: string; firstLine: number }[] | null;
  };
}

const batchOf = async (batchId: string) =>
  (
    await graphql<{ batch: BatchView | null }>(
      runner,
      `query($id: String!) { batch(batchId: $id) {
        total received duplicates invalid finished counts { queued sending sent error }
        report { encoding truncated errors { line reason value } duplicatesList { line email firstLine } } } }`,
      { id: batchId },
    )
  ).batch;

interface RenderedSend {
  email: string;
  content: { subject: string; text: string; html: string | null } | null;
}

/**
 * The mails of a batch as their recipients get them, by address, once the writer has written them all
 * (the upload is answered before).
 */
async function mailsOf(batchId: string): Promise<Record<string, RenderedSend['content']>> {
  await pollUntil(
    `batch ${batchId} written`,
    async () =>
      (
        await graphql<{ batch: { writing: { state: string } | null } | null }>(
          runner,
          'query($id: String!) { batch(batchId: $id) { writing { state } } }',
          { id: batchId },
        )
      ).batch?.writing?.state,
    (state) => state === 'READY' || state === 'FAILED',
  );
  const data = await graphql<{ batch: { sends: { items: RenderedSend[] } } | null }>(
    runner,
    'query($id: String!) { batch(batchId: $id) { sends(first: 100) { items { email content { subject text html } } } } }',
    { id: batchId },
  );
  return Object.fromEntries((data.batch?.sends.items ?? []).map((send) => [send.email, send.content]));
}

async function batchCount(): Promise<number> {
  const data = await graphql<{ batches: { items: unknown[]; nextCursor: string | null } }>(
    runner,
    '{ batches(first: 1000) { items { batchId } nextCursor } }',
  );
  expect(data.batches.nextCursor).toBeNull();
  return data.batches.items.length;
}

describe('reading the file (issue #4 §1)', () => {
  it('reads UTF-8 with a BOM, matching the first column name after it', async () => {
    const answer = accepted(await uploadForm(fixture('bom.csv'), 'bom.csv'));
    expect(answer).toMatchObject({ received: 2, accepted: 2, invalid: 0, encoding: 'utf-8', errors: [] });
  });

  it('decodes Windows-1252 bytes, says so, and mails the accents and € intact', async () => {
    const answer = accepted(await uploadForm(fixture('windows-1252.csv'), 'windows-1252.csv'));
    expect(answer).toMatchObject({ received: 2, accepted: 2, invalid: 0, encoding: 'windows-1252' });
    const mails = await mailsOf(answer.batchId);
    expect(mails['ana@example.com']).toMatchObject({
      subject: 'Oferta para Ángela',
      text: 'Año nuevo, café y crème brûlée €',
    });
    expect(mails['ben@example.com']).toMatchObject({ subject: 'Señor José', text: 'Niño' });
  });

  it('reads ; and tab delimiters, keeping the other delimiters inside fields', async () => {
    const semicolon = accepted(await uploadForm(fixture('semicolon.csv'), 'semicolon.csv'));
    expect(semicolon).toMatchObject({ received: 2, accepted: 2, invalid: 0 });
    expect((await mailsOf(semicolon.batchId))['ben@example.com']?.text).toBe('Second; with a semicolon');

    const tab = accepted(await uploadForm(fixture('tab.csv'), 'tab.csv'));
    expect(tab).toMatchObject({ received: 2, accepted: 2, invalid: 0 });
    expect((await mailsOf(tab.batchId))['ana@example.com']).toMatchObject({
      subject: 'Hello Ana',
      text: 'Tabs, commas; and semicolons',
    });
  });

  it("reads Excel's sep=; first line as the delimiter, not as the header, and counts it as line 1", async () => {
    const answer = accepted(await uploadForm(fixture('excel-sep-line.csv'), 'excel-sep-line.csv'));
    expect(answer).toMatchObject({ received: 3, accepted: 2, invalid: 1 });
    expect(answer.errors).toEqual([
      { line: 5, reason: 'email is not of the form local@domain', value: 'not-an-address' },
    ]);
  });

  it('reads CRLF line endings, a quoted CRLF kept as one line break, and skips the blank line', async () => {
    const answer = accepted(await uploadRaw(fixture('crlf.csv')));
    expect(answer).toMatchObject({ received: 3, accepted: 3, invalid: 0 });
    expect((await mailsOf(answer.batchId))['ben@example.com']?.text).toBe('Two\r\nlines');
  });

  it('reads quoted delimiters, doubled quotes and line breaks, and numbers the rows after them exactly', async () => {
    const csv = `${fixture('quoted-newlines.csv').toString('utf8')}not-an-address,Hi,Body\n`;
    const answer = accepted(await uploadRaw(csv));
    expect(answer).toMatchObject({ received: 4, accepted: 3, invalid: 1 });
    // Header 1, ana 2–5, ben 6, carla 7–8: the broken row is on line 9.
    expect(answer.errors).toEqual([
      { line: 9, reason: 'email is not of the form local@domain', value: 'not-an-address' },
    ]);
    const mails = await mailsOf(answer.batchId);
    expect(mails['ana@example.com']).toMatchObject({
      subject: 'Hello, Ana',
      text: 'Line one\nline two, with a comma\n\nline four',
    });
    expect(mails['ben@example.com']).toMatchObject({ subject: 'The "best" offer', html: '<p>Say "hi"</p>' });
  });

  it('ignores blank lines and lines of empty fields, counting only data records as received', async () => {
    const answer = accepted(await uploadForm(fixture('blank-lines.csv'), 'blank-lines.csv'));
    expect(answer).toMatchObject({ received: 2, accepted: 2, invalid: 0, duplicates: 0 });
  });

  it('matches header aliases in any case and keeps the other columns as personalisation variables', async () => {
    const aliases = accepted(await uploadForm(fixture('aliases.csv'), 'aliases.csv')); // E-Mail, ASUNTO, Body
    expect((await mailsOf(aliases.batchId))['ana@example.com']).toMatchObject({
      subject: 'Hola Ana',
      text: 'Cuerpo',
    });
    const csv =
      ' Email_Address ,Subject,HTML,City\nana@example.com,Hola {{city}},<p>Desde {{City}}</p>,Madrid\n';
    const html = accepted(await uploadRaw(csv));
    expect((await mailsOf(html.batchId))['ana@example.com']).toMatchObject({
      subject: 'Hola Madrid',
      html: '<p>Desde Madrid</p>',
    });
    // correo, asunto, contenido: the Windows-1252 test above.
  });
});

describe('the answers (issue #4 §2)', () => {
  it('rejects each broken row with its line, reason and value, and lists duplicates in other case', async () => {
    const longAddress = `${'a'.repeat(250)}@example.com`;
    // 254 characters exactly: a 1-character local part and a 252-character domain.
    const longestAddress = `l@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(56)}.com`;
    expect(longestAddress).toHaveLength(254);
    const csv = [
      'email,subject,content', // 1
      'good@example.com,Hi,Body', // 2
      'not-an-address,Hi,Body', // 3
      'ana smith@example.com,Hi,Body', // 4
      `${longAddress},Hi,Body`, // 5
      'carla@localhost,Hi,Body', // 6
      'dan@example.com,,Body', // 7
      'erin@example.com,"Hi\nBcc: x@example.net",Body', // 8–9
      `fay@example.com,${'S'.repeat(999)},Body`, // 10
      'gus@example.com,Hi,', // 11
      'hal@example.com,Hi,Body,extra', // 12
      'ivy@example.com,Hi', // 13
      'GOOD@Example.COM,Hi,Again', // 14
      '"  good@example.com  ",Hi,Third', // 15
      'jo@example.com,"Subject, with ""quotes""",Body', // 16
      `kim@example.com,${'S'.repeat(998)},Body`, // 17
      `${longestAddress},Hi,Body`, // 18
    ].join('\n');
    const answer = accepted(await uploadRaw(csv));
    expect(answer).toMatchObject({ received: 16, accepted: 4, duplicates: 2, invalid: 10, truncated: false });
    expect(answer.errors).toEqual([
      { line: 3, reason: 'email is not of the form local@domain', value: 'not-an-address' },
      { line: 4, reason: 'email contains whitespace', value: 'ana smith@example.com' },
      { line: 5, reason: 'email is longer than 254 characters', value: longAddress.slice(0, 200) },
      { line: 6, reason: 'email domain has no dot', value: 'carla@localhost' },
      { line: 7, reason: 'subject is empty', value: '' },
      { line: 8, reason: 'subject contains a line break', value: 'Hi\nBcc: x@example.net' },
      { line: 10, reason: 'subject is longer than 998 characters', value: 'S'.repeat(200) },
      { line: 11, reason: 'content is empty', value: '' },
      { line: 12, reason: 'row has 4 field(s) but the header has 3', value: 'hal@example.com,Hi,Body,extra' },
      { line: 13, reason: 'row has 2 field(s) but the header has 3', value: 'ivy@example.com,Hi' },
    ]);
    expect(answer.duplicatesList).toEqual([
      { line: 14, email: 'good@example.com', firstLine: 2 },
      { line: 15, email: 'good@example.com', firstLine: 2 },
    ]);
    const batch = await batchOf(answer.batchId);
    expect(batch).toMatchObject({ total: 4, received: 16, duplicates: 2, invalid: 10 });
    expect(batch?.report.errors).toEqual(answer.errors);
    expect(batch?.report.duplicatesList).toEqual(answer.duplicatesList);
  });

  it('caps a long list of rejected rows while keeping the totals exact', async () => {
    const rows = Array.from({ length: 1001 }, (_, i) => `bad-${i},Hi,Body`);
    const answer = accepted(
      await uploadRaw(['email,subject,content', 'ok@example.com,Hi,Body', ...rows].join('\n')),
    );
    expect(answer).toMatchObject({ received: 1002, accepted: 1, invalid: 1001, truncated: true });
    expect(answer.errors).toHaveLength(1000);
    expect(answer.errors.at(-1)).toMatchObject({ line: 1002, value: 'bad-999' });
  });

  it.each([
    ['an empty file', 'empty.csv', 'EMPTY_FILE', /^the file is empty/],
    [
      'a header without data rows',
      'header-only.csv',
      'NO_DATA_ROWS',
      /^the file has a header but no data rows$/,
    ],
    [
      'missing required columns, naming them',
      'missing-columns.csv',
      'MISSING_COLUMNS',
      /^missing required column\(s\): subject \(subject, asunto\); content \(content, body, html, contenido\)$/,
    ],
  ])('answers 400 for %s', async (_case, name, problem, message) => {
    const before = await batchCount();
    const answer = await uploadForm(fixture(name), name);
    expect([answer.status, answer.body.problem]).toEqual([400, problem]);
    expect(answer.body.error).toMatch(message);
    expect(await batchCount()).toBe(before);
  });

  it('answers 400 for a {{placeholder}} that names no column, with the placeholder and its line', async () => {
    const answer = await uploadForm(fixture('unknown-placeholder.csv'), 'unknown-placeholder.csv');
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: 'line 2: placeholder {{firstname}} names no column (personalisation columns: first_name)',
      problem: 'UNKNOWN_PLACEHOLDER',
      line: 2,
      placeholder: 'firstname',
    });
  });

  it('answers 415 for a JSON body, a form whose file is not CSV, and a form without a file field', async () => {
    const json = await uploadRaw('{"email":"ana@example.com"}', 'application/json');
    expect([json.status, json.body.error]).toEqual([415, expect.stringContaining('"application/json"')]);

    const png = await postForm([
      ['file', new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' }), 'logo.png'],
    ]);
    expect([png.status, png.body.error]).toEqual([415, expect.stringContaining('"image/png"')]);

    const missing = await postForm([
      [
        'list',
        new Blob(['email,subject,content\nana@example.com,Hi,Body\n'], { type: 'text/csv' }),
        'list.csv',
      ],
    ]);
    expect([missing.status, missing.body.error]).toEqual([
      415,
      expect.stringContaining('no file in a field named "file"'),
    ]);
  });

  it('answers 413 one byte above what the API path takes, pointing to POST /campaigns/uploads', async () => {
    // The limit the ingest function reads (MAX_UPLOAD_BYTES, 6 MB unless set), as the runner has it.
    const { maxBodyBytes } = ingestConfig({
      ...process.env,
      TABLE_NAME: 't',
      UPLOAD_BUCKET: 'b',
      SCHEDULE_GROUP: 'g',
      SCHEDULE_QUEUE_ARN: 'arn:aws:sqs:us-east-1:1:q',
      SCHEDULE_ROLE_ARN: 'arn:aws:iam::1:role/r',
    });
    const answer = await uploadRaw(Buffer.alloc(maxBodyBytes + 1, 'a'));
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ maxBytes: maxBodyBytes, largeFileUpload: 'POST /campaigns/uploads' });
    expect(answer.body.error).toMatch(/POST \/campaigns\/uploads/);
  });

  it('answers 422 with the report when no row can be sent, and creates no batch', async () => {
    const before = await batchCount();
    const answer = await uploadRaw('email,subject,content\nnope,Hi,Body\nana@example.com,,Body\n');
    expect(answer.status).toBe(422);
    expect(answer.body).toEqual({
      error: 'no row of the file can be sent; nothing was queued',
      received: 2,
      accepted: 0,
      duplicates: 0,
      invalid: 2,
      suppressed: 0,
      encoding: 'utf-8',
      dryRun: false,
      errors: [
        { line: 2, reason: 'email is not of the form local@domain', value: 'nope' },
        { line: 3, reason: 'subject is empty', value: '' },
      ],
      duplicatesList: [],
      suppressedList: [],
      truncated: false,
    });
    expect(await batchCount()).toBe(before);
  });
});

describe('idempotent uploads (issue #4 §3)', () => {
  it('answers a retry with the first answer, as the same batch, and mails each address once', async () => {
    const key = crypto.randomUUID();
    // Addresses no other upload of this file uses, so that the mail viewer's count is this batch's.
    const [ana, ben] = ['ana', 'ben'].map((name) => `${name}.${key.slice(0, 8)}@example.com`) as [
      string,
      string,
    ];
    const csv = [
      'email,subject,content',
      `${ana},Hello,First`,
      `${ben},Hello,Second`,
      `${ana.toUpperCase()},Hello,Third`,
    ].join('\r\n');
    const before = await batchCount();
    const first = await uploadForm(csv, 'retried.csv', { 'idempotency-key': key });
    const firstReport = accepted(first);
    expect(firstReport).toMatchObject({ accepted: 2, duplicates: 1 });
    // A new form: another multipart boundary around the same file.
    const retry = await uploadForm(csv, 'retried.csv', { 'idempotency-key': key });
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await batchCount()).toBe(before + 1);

    const batch = await pollUntil(
      'the batch to finish',
      () => batchOf(firstReport.batchId),
      (found): found is BatchView => found?.finished === true,
    );
    expect(batch).toMatchObject({ total: 2, counts: { sent: 2, error: 0 } });
    const mails = (await (await fetch(`${runner.mailViewerUrl}/store`)).json()) as {
      emails: SesStoredMail[];
    };
    const to = mails.emails.flatMap((mail) => mail.destination.to);
    for (const address of [ana, ben]) {
      expect([address, to.filter((t) => t === address).length]).toEqual([address, 1]);
    }
  });

  it('answers 409 for the same key with a different file', async () => {
    const key = crypto.randomUUID();
    accepted(
      await uploadForm('email,subject,content\nyan@example.com,Hi,Body\n', 'a.csv', {
        'idempotency-key': key,
      }),
    );
    const other = await uploadForm('email,subject,content\nyan@example.com,Hi,Other\n', 'a.csv', {
      'idempotency-key': key,
    });
    expect(other.status).toBe(409);
    expect(other.body).toMatchObject({ problem: 'IDEMPOTENCY_KEY_REUSED' });
    expect(other.body.error).toMatch(/used with a different file/);
  });
});

describe('large files (issue #4 §4)', () => {
  interface LargeUpload {
    batchId: string;
    uploadUrl: string;
    headers: Record<string, string>;
  }

  const askForUrl = async (body: Json) =>
    answerOf(
      await fetch(`${runner.apiUrl}/campaigns/uploads`, {
        method: 'POST',
        headers: { 'x-api-key': runner.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );

  it('refuses an upload URL without the file size (400) or above the maximum (413, naming it)', async () => {
    const missing = await askForUrl({ fileName: 'list.csv' });
    expect([missing.status, missing.body.problem]).toEqual([400, 'SIZE_REQUIRED']);
    const tooLarge = await askForUrl({ fileName: 'list.csv', size: MAX_LARGE_UPLOAD_BYTES + 1 });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toMatchObject({ problem: 'FILE_TOO_LARGE', maxBytes: MAX_LARGE_UPLOAD_BYTES });
    expect(tooLarge.body.error).toContain(`${MAX_LARGE_UPLOAD_BYTES} bytes`);
  });

  it('ingests a file PUT to the pre-signed URL as the announced batch, with its report in GraphQL', async () => {
    const csv = Buffer.concat([fixture('broken-rows.csv'), Buffer.from('ANA@Example.com,Hello,Again\n')]);
    const answer = await askForUrl({ fileName: 'broken.csv', size: csv.length });
    expect(answer.status).toBe(201);
    const upload = answer.body as unknown as LargeUpload;
    expect(upload.headers['content-length']).toBe(String(csv.length));
    const put = await fetch(upload.uploadUrl, {
      method: 'PUT',
      headers: upload.headers,
      body: new Uint8Array(csv),
    });
    expect(put.status).toBe(200);

    const batch = await pollUntil(
      'the uploaded file to become a batch with its report (written once the whole file is read)',
      () => batchOf(upload.batchId),
      (found): found is BatchView => found !== null && found.received !== null,
    );
    expect(batch).toMatchObject({ total: 2, received: 7, duplicates: 1, invalid: 4 });
    expect(batch.report).toEqual({
      encoding: 'utf-8',
      truncated: false,
      errors: [
        {
          line: 3,
          reason: 'row has 4 field(s) but the header has 3',
          value: 'ben@example.com,Hello,Too,many',
        },
        { line: 4, reason: 'row has 2 field(s) but the header has 3', value: 'carla@example.com,Too few' },
        { line: 5, reason: 'email is not of the form local@domain', value: 'not-an-email' },
        { line: 6, reason: 'content is empty', value: '' },
      ],
      duplicatesList: [{ line: 8, email: 'ana@example.com', firstLine: 2 }],
    });
    // The batch record is final before the upload's claim is: the ingest finishes it last.
    await pollUntil(
      'the upload to be DONE',
      () => writers.get(upload.batchId),
      (writer) => writer?.state === 'READY',
    );
  });

  it('refuses, as FAILED and unread, an object larger than the maximum that reached the bucket', async () => {
    const answer = await askForUrl({ fileName: 'small.csv', size: 100 });
    const upload = answer.body as unknown as LargeUpload;
    const { 'content-length': _signed, ...headers } = upload.headers;
    const csv = Buffer.from(
      `email,subject,content\n${'x@example.com,Hi,Body\n'.repeat(Math.ceil(MAX_LARGE_UPLOAD_BYTES / 20))}`,
    );
    expect(csv.length).toBeGreaterThan(MAX_LARGE_UPLOAD_BYTES);
    const put = await fetch(upload.uploadUrl, { method: 'PUT', headers, body: new Uint8Array(csv) });
    // S3 refuses this PUT (403 SignatureDoesNotMatch: the length is signed); s3rver does not check
    // SigV4 signatures and stores it (README "Large files"), which lets the ingest's own check be seen.
    expect(put.status).toBe(200);

    const claim = await pollUntil(
      'the upload to be refused',
      () => writers.get(upload.batchId),
      (found) => found?.state === 'FAILED',
    );
    expect(claim).toMatchObject({
      problem: 'FILE_TOO_LARGE',
      error: `the uploaded file is ${csv.length} bytes; the largest file taken is ${MAX_LARGE_UPLOAD_BYTES} bytes`,
    });
    expect(await batchOf(upload.batchId)).toBeNull();
  });
});
