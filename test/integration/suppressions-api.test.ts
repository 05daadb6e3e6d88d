import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SuppressionPage } from '../../lambdas/contract/api-schemas.js';
import { PageCursors } from '../../lambdas/core/domain/page-cursor.js';
import type { Suppression } from '../../lambdas/core/domain/suppression.js';
import { ApiKeyCheck } from '../../lambdas/core/http/api-key-check.js';
import { ApiKeyStore } from '../../lambdas/core/store/api-key-store.js';
import { SuppressionStore } from '../../lambdas/core/store/suppression-store.js';
import { createSuppressionsHandler } from '../../lambdas/suppressions/handler.js';
import { createTestKey } from '../helpers/api-keys.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { type HttpApiEventInit, httpApiEvent } from '../helpers/http-api-event.js';
import { multipartBody } from '../helpers/multipart.js';

/**
 * The suppression list over HTTP (lambdas/suppressions), through its handler against the emulators:
 * looking up, paging, adding and replacing by hand, removing, importing a CSV.
 */

const MAX_IMPORT_BYTES = 4096;
const CURSOR_SECRET = 'suppressions-test-secret';

let aws: TestAws;
let store: SuppressionStore;
let uploadKey: string;
let readKey: string;
/** The clock of the handler: each test that needs its entries newest sets it. */
let now = new Date();
let handler: ReturnType<typeof createSuppressionsHandler>;

beforeAll(async () => {
  aws = await startTestAws();
  store = new SuppressionStore(aws.clients.documents, aws.tableName);
  uploadKey = await createTestKey(aws, ['upload']);
  readKey = await createTestKey(aws, ['read']);
  handler = createSuppressionsHandler({
    suppressions: store,
    cursors: new PageCursors(CURSOR_SECRET),
    apiKeys: new ApiKeyCheck(new ApiKeyStore(aws.clients.documents, aws.tableName), () => new Date(), {
      cacheSeconds: 0,
      cacheEntries: 10,
    }),
    clock: () => now,
    maxImportBytes: MAX_IMPORT_BYTES,
  });
});
afterAll(async () => aws?.stop());

interface Answer {
  status: number | undefined;
  body: Record<string, unknown>;
}

/** The entries and cursor of a page of the list (GET /suppressions without `email`). */
const pageIn = (answer: Answer) => answer.body as unknown as SuppressionPage;

async function call(init: HttpApiEventInit, key = uploadKey): Promise<Answer> {
  const result = (await handler(
    httpApiEvent({ ...init, headers: { 'x-api-key': key, ...init.headers } }),
  )) as APIGatewayProxyStructuredResultV2;
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
}

const lookUp = (email: string, key?: string) => call({ path: '/suppressions', query: { email } }, key);
const pageOf = (query: Record<string, string>) => call({ path: '/suppressions', query });
const put = (email: string, body: unknown, headers: Record<string, string> = {}) =>
  call({
    method: 'PUT',
    path: `/suppressions/${encodeURIComponent(email)}`,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const remove = (email: string) =>
  call({ method: 'DELETE', path: `/suppressions/${encodeURIComponent(email)}` });
const importCsv = (body: string | Buffer, headers: Record<string, string> = { 'content-type': 'text/csv' }) =>
  call({ method: 'POST', path: '/suppressions/import', headers, body });

/** An address of its own for each test, so that tests sharing the table never meet. */
const address = (name: string) => `${name}-${randomUUID().slice(0, 8)}@example.com`;

describe('GET /suppressions?email=', () => {
  it('answers the entry of a suppressed address, looked up in any case and with spaces', async () => {
    const email = address('bounced');
    const entry: Suppression = {
      email,
      reason: 'BOUNCED',
      detail: 'General',
      sourceSendId: 'send-1',
      sourceBatchId: 'batch-1',
      addedAt: '2026-12-01T09:00:00.000Z',
    };
    await store.put(entry);
    expect(await lookUp(`  ${email.toUpperCase()} `)).toEqual({ status: 200, body: entry });
  });

  it('answers 404 naming the address when it is not on the list', async () => {
    const email = address('nobody');
    expect(await lookUp(email)).toEqual({
      status: 404,
      body: { error: `${email} is not on the suppression list`, problem: 'NOT_SUPPRESSED', email },
    });
  });

  it('answers 400 naming what is wrong with an address that is not one', async () => {
    for (const [email, why] of [
      ['not-an-address', 'email is not of the form local@domain'],
      ['ana@localhost', 'email domain has no dot'],
      ['', 'email is empty'],
    ]) {
      expect(await lookUp(email ?? '')).toEqual({
        status: 400,
        body: {
          error: `query parameter email ${JSON.stringify(email)} is not an address: ${why}`,
          problem: 'INVALID_EMAIL',
        },
      });
    }
  });

  it('refuses a request without a key, and a key without the upload scope', async () => {
    expect((await lookUp(address('a'), '')).status).toBe(401);
    expect((await lookUp(address('a'), readKey)).status).toBe(403);
  });
});

describe('PUT /suppressions/{email}', () => {
  it('adds the address as MANUAL with the note as detail, and answers the entry', async () => {
    now = new Date('2026-12-02T10:15:00.000Z');
    const email = address('Ana+Tag');
    const answer = await put(email, { reason: '  asked us by phone  ' });
    const entry = {
      email: email.toLowerCase(),
      reason: 'MANUAL',
      detail: 'asked us by phone',
      addedAt: now.toISOString(),
    };
    expect(answer).toEqual({ status: 200, body: entry });
    expect(await lookUp(email)).toEqual({ status: 200, body: entry });
  });

  it('replaces the entry of an address already on the list, whatever its reason', async () => {
    const email = address('complained');
    await store.put({ email, reason: 'COMPLAINED', detail: 'abuse', addedAt: '2026-11-01T00:00:00.000Z' });
    now = new Date('2026-12-03T08:00:00.000Z');
    expect((await put(email, { reason: 'checked with her: keep her off' })).status).toBe(200);
    expect((await lookUp(email)).body).toEqual({
      email,
      reason: 'MANUAL',
      detail: 'checked with her: keep her off',
      addedAt: now.toISOString(),
    });
  });

  it('answers 400 for an address that is not one, and for a body without a note of 1 to 500 characters', async () => {
    expect(await put('not-an-address', { reason: 'x' })).toEqual({
      status: 400,
      body: {
        error: 'the path segment "not-an-address" is not an address: email is not of the form local@domain',
        problem: 'INVALID_EMAIL',
      },
    });
    const email = address('note');
    for (const body of [
      '',
      '{"reason": ',
      '[]',
      {},
      { reason: '   ' },
      { reason: 'x'.repeat(501) },
      { reason: 7 },
      { reason: 'why', by: 'me' },
    ]) {
      const answer = await put(email, body);
      expect([JSON.stringify(body), answer.status, answer.body.problem]).toEqual([
        JSON.stringify(body),
        400,
        'INVALID_BODY',
      ]);
    }
    expect((await lookUp(email)).status).toBe(404);
    expect((await put(email, { reason: 'x'.repeat(500) })).status).toBe(200);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const answer = await put(address('csv'), 'reason\nwhy', { 'content-type': 'text/csv' });
    expect([answer.status, answer.body.problem]).toEqual([415, 'UNSUPPORTED_CONTENT_TYPE']);
  });
});

describe('DELETE /suppressions/{email}', () => {
  it('answers the entry it removed, then 404: the address is off the list either way', async () => {
    const email = address('removed');
    const entry: Suppression = { email, reason: 'UNSUBSCRIBED', addedAt: '2026-12-01T00:00:00.000Z' };
    await store.put(entry);
    expect(await remove(email.toUpperCase())).toEqual({ status: 200, body: entry });
    expect((await lookUp(email)).status).toBe(404);
    expect(await remove(email)).toEqual({
      status: 404,
      body: { error: `${email} is not on the suppression list`, problem: 'NOT_SUPPRESSED', email },
    });
  });

  it('answers 400 for an address that is not one', async () => {
    expect((await remove('nope')).body.problem).toBe('INVALID_EMAIL');
  });
});

describe('GET /suppressions (the list)', () => {
  it('pages through the list newest first, each entry once, with opaque cursors', async () => {
    const tag = randomUUID().slice(0, 8);
    // Far in the future, so that these 7 are the newest entries whatever the other tests added.
    const base = Date.parse('2099-01-01T00:00:00.000Z');
    const added = Array.from({ length: 7 }, (_, i) => `page-${i}-${tag}@example.com`);
    for (const [i, email] of added.entries()) {
      await store.put({ email, reason: 'MANUAL', addedAt: new Date(base + i * 1000).toISOString() });
    }
    const seen: string[] = [];
    const cursors: string[] = [];
    let cursor: string | undefined;
    do {
      const answer = await pageOf({ limit: '3', ...(cursor ? { cursor } : {}) });
      expect(answer.status).toBe(200);
      expect(pageIn(answer).items.length).toBeLessThanOrEqual(3);
      seen.push(...pageIn(answer).items.map((item) => item.email));
      cursor = pageIn(answer).nextCursor ?? undefined;
      if (cursor) cursors.push(cursor);
    } while (cursor);
    expect(seen.slice(0, 7)).toEqual([...added].reverse());
    expect(new Set(seen).size).toBe(seen.length);
    // The cursor says nothing in clear: not the address it stands after.
    for (const c of cursors) expect(c).not.toContain('@');
    const everything = await pageOf({ limit: '500' });
    expect(pageIn(everything).items.map((item) => item.email)).toEqual(seen);
    expect(pageIn(everything).nextCursor).toBeNull();
  });

  it(`answers 50 entries when no limit is given`, async () => {
    const base = Date.parse('2098-01-01T00:00:00.000Z');
    for (let i = 0; i < 52; i++) {
      await store.put({
        email: `many-${i}-${randomUUID().slice(0, 4)}@example.com`,
        reason: 'MANUAL',
        addedAt: new Date(base + i).toISOString(),
      });
    }
    const answer = await pageOf({});
    expect(pageIn(answer).items).toHaveLength(50);
    expect(typeof pageIn(answer).nextCursor).toBe('string');
  });

  it('answers 400 for a limit out of 1 to 500, and for a cursor it did not issue or that was altered', async () => {
    for (const limit of ['0', '501', 'ten', '', '2.5', '-1']) {
      const answer = await pageOf({ limit });
      expect([limit, answer.status, answer.body.problem]).toEqual([limit, 400, 'INVALID_LIMIT']);
    }
    const first = await pageOf({ limit: '1' });
    const issued = String(pageIn(first).nextCursor);
    const [payload = '', signature = ''] = issued.split('.');
    const altered = `${payload.slice(0, -2)}AA.${signature}`;
    const graphqls = new PageCursors(CURSOR_SECRET).encode('2099#x@example.com', '["suppressions"]');
    const foreign = new PageCursors('another-secret-of-16').encode('2099#x@example.com', 'rest:suppressions');
    for (const cursor of ['garbage', altered, graphqls, foreign]) {
      const answer = await pageOf({ cursor });
      expect([cursor, answer.status, answer.body.problem]).toEqual([cursor, 400, 'INVALID_CURSOR']);
    }
  });
});

describe('POST /suppressions/import', () => {
  it('adds the addresses of an Excel export (BOM, CRLF, `;`, a header) not on the list yet, naming every invalid line', async () => {
    const [ana, bob, carl] = [address('ana'), address('bob'), address('carl')];
    const bounced: Suppression = {
      email: carl,
      reason: 'BOUNCED',
      detail: 'General',
      addedAt: '2026-11-01T00:00:00.000Z',
    };
    await store.put(bounced);
    now = new Date('2026-12-04T12:00:00.000Z');
    const csv = [
      'Name;Email;Since',
      `Ana;${ana.toUpperCase()};2020`,
      `Bob; ${bob} ;2021`,
      'Dave;dave-at-example.com;2022',
      '',
      `Carl;${carl};2023`,
      `Ana again;${ana};2024`,
      'Eve;;2025',
    ].join('\r\n');
    const answer = await importCsv(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv)]));
    expect(answer).toEqual({
      status: 200,
      body: {
        received: 6,
        added: 2,
        alreadySuppressed: 2,
        invalid: 2,
        invalidList: [
          { line: 4, reason: 'email is not of the form local@domain', value: 'dave-at-example.com' },
          { line: 8, reason: 'email is empty', value: '' },
        ],
        truncated: false,
      },
    });
    const imported = { reason: 'MANUAL', detail: 'import', addedAt: now.toISOString() };
    expect((await lookUp(ana)).body).toEqual({ email: ana, ...imported });
    expect((await lookUp(bob)).body).toEqual({ email: bob, ...imported });
    // An address on the list already keeps its entry: a bounce stays a bounce.
    expect((await lookUp(carl)).body).toEqual(bounced);
  });

  it('takes a file without a header: the addresses in its first column, from line 1', async () => {
    const [ana, bob] = [address('first'), address('second')];
    const answer = await importCsv(`${ana},Ana\nnot an address,x\n${bob}\n`);
    expect(answer.body).toEqual({
      received: 3,
      added: 2,
      alreadySuppressed: 0,
      invalid: 1,
      invalidList: [{ line: 2, reason: 'email contains whitespace', value: 'not an address' }],
      truncated: false,
    });
  });

  it('adds nothing when the same file comes again', async () => {
    const csv = `email\n${address('again')}\n${address('again')}\n`;
    expect((await importCsv(csv)).body).toMatchObject({ received: 2, added: 2, alreadySuppressed: 0 });
    expect((await importCsv(csv)).body).toMatchObject({ received: 2, added: 0, alreadySuppressed: 2 });
  });

  it('takes the file as the field `file` of a form, and a gzip-compressed body', async () => {
    const email = address('form');
    const form = await multipartBody([{ name: 'file', content: `email\n${email}\n`, fileName: 'list.csv' }]);
    expect((await importCsv(form.body, { 'content-type': form.contentType })).body).toMatchObject({
      added: 1,
    });
    const zipped = gzipSync(Buffer.from(`email\n${address('zipped')}\n`));
    expect(
      (await importCsv(zipped, { 'content-type': 'text/csv', 'content-encoding': 'gzip' })).body,
    ).toMatchObject({ added: 1 });
  });

  it('answers 413 above the largest file taken, sent so or once unpacked', async () => {
    const big = `email\n${'a-long-address-for-the-limit@example.com\n'.repeat(120)}`;
    expect(Buffer.byteLength(big)).toBeGreaterThan(MAX_IMPORT_BYTES);
    const plain = await importCsv(big);
    expect(plain).toEqual({
      status: 413,
      body: {
        error: `the file is ${Buffer.byteLength(big)} bytes; an import takes at most ${MAX_IMPORT_BYTES} bytes: split the list and import each part`,
        problem: 'REQUEST_TOO_LARGE',
        maxBytes: MAX_IMPORT_BYTES,
      },
    });
    const zipped = await importCsv(gzipSync(big), { 'content-type': 'text/csv', 'content-encoding': 'gzip' });
    expect([zipped.status, zipped.body.maxBytes]).toEqual([413, MAX_IMPORT_BYTES]);
  });

  it('answers 415 for a body that is no CSV, and 400 for a malformed form or a bad separator line', async () => {
    const json = await importCsv('{"email": "a@example.com"}', { 'content-type': 'application/json' });
    expect([json.status, json.body.problem]).toEqual([415, 'UNSUPPORTED_CONTENT_TYPE']);
    const form = await multipartBody([{ name: 'list', content: 'email\n', fileName: 'list.csv' }]);
    const noFile = await importCsv(form.body, { 'content-type': form.contentType });
    expect([noFile.status, noFile.body.problem]).toEqual([415, 'NO_FILE_FIELD']);
    const cut = await importCsv('--x\r\nnot a form', { 'content-type': 'multipart/form-data; boundary=x' });
    expect([cut.status, cut.body.problem]).toEqual([400, 'MALFORMED_MULTIPART']);
    const separator = await importCsv('sep=|\nemail\na@example.com\n');
    expect([separator.status, separator.body.problem, separator.body.line]).toEqual([
      400,
      'INVALID_SEPARATOR_LINE',
      1,
    ]);
  });
});
