import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import { UnsubscribeTokens } from '../../lambdas/core/domain/unsubscribe-token.js';
import type { HttpResult } from '../../lambdas/core/http/http-function.js';
import { BatchProgressReader } from '../../lambdas/core/store/batch-progress.js';
import { createUnsubscribeHandler } from '../../lambdas/unsubscribe/handler.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { type HttpApiEventInit, httpApiEvent } from '../helpers/http-api-event.js';
import { multipartBody } from '../helpers/multipart.js';
import { ingestMails, RETENTION_SECONDS, storesOf, testUnsubscribeTokens } from '../helpers/send-pipeline.js';

/**
 * The unsubscribe function (GET and POST /unsubscribe/{token}) against the emulators: what a mail
 * client's one-click POST, a person's browser and a forger each get, and what each leaves in the table.
 */

let aws: TestAws;
const tokens = testUnsubscribeTokens();

beforeAll(async () => {
  aws = await startTestAws();
});
afterAll(() => aws.stop());

const handler = () => {
  const { sends, suppressions, counters } = storesOf(aws);
  return createUnsubscribeHandler({
    tokens,
    sends,
    suppressions,
    counters,
    clock: () => new Date(),
    retentionSeconds: RETENTION_SECONDS,
  });
};

async function call(init: HttpApiEventInit): Promise<HttpResult> {
  return handler()(httpApiEvent(init));
}

/** A mail client's one-click request (RFC 8058), as Gmail sends it. */
const oneClick = (token: string, headers: Record<string, string> = {}) =>
  call({
    method: 'POST',
    path: `/unsubscribe/${token}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: 'List-Unsubscribe=One-Click',
  });

const page = (token: string) =>
  call({ method: 'GET', path: `/unsubscribe/${token}`, headers: { accept: 'text/html' } });

/** A send of its own for each test: one upload of `address`, its send's token. */
async function mailedTo(address: string) {
  const { batchId } = await ingestMails(aws, [address]);
  const sendId = sendIdFor(batchId, address);
  return { batchId, sendId, token: tokens.tokenFor(sendId) };
}

/** What an unsubscribe leaves: the list's entry, the send's note, the batch's count. */
async function recorded(address: string, batchId: string, sendId: string) {
  const { suppressions, sends } = storesOf(aws);
  return {
    suppression: await suppressions.get(address),
    unsubscribedAt: (await sends.getSend(sendId))?.unsubscribedAt,
    unsubscribed: (await new BatchProgressReader(aws.clients.documents, aws.tableName).progress(batchId))
      .unsubscribed,
  };
}

const NOTHING = { suppression: undefined, unsubscribedAt: undefined, unsubscribed: 0 };

describe('POST /unsubscribe/{token} with the one-click body', () => {
  it("puts the send's address on the suppression list, notes it on the send, counts it on the batch, and answers 200", async () => {
    const { batchId, sendId, token } = await mailedTo('ana@example.com');
    const answer = await oneClick(token);
    expect(answer.statusCode).toBe(200);
    expect(answer.headers?.['content-type']).toBe('text/plain; charset=utf-8');
    expect(answer.body).toBe('You are unsubscribed. You will get no more campaign mails at this address.\n');
    expect(await recorded('ana@example.com', batchId, sendId)).toEqual({
      suppression: {
        email: 'ana@example.com',
        reason: 'UNSUBSCRIBED',
        sourceSendId: sendId,
        sourceBatchId: batchId,
        addedAt: expect.any(String),
      },
      unsubscribedAt: expect.any(String),
      unsubscribed: 1,
    });
  });

  it('changes nothing and answers the same when it comes again (a client retrying, a second click)', async () => {
    const { batchId, sendId, token } = await mailedTo('ben@example.com');
    const first = await oneClick(token);
    const before = await recorded('ben@example.com', batchId, sendId);
    const again = await oneClick(token);
    expect(again).toEqual(first);
    expect(await recorded('ben@example.com', batchId, sendId)).toEqual(before);
    expect(before.unsubscribed).toBe(1);
  });

  it('keeps the reason of an address on the list already, and still counts the unsubscribe of this mail', async () => {
    const { batchId, sendId, token } = await mailedTo('carl@example.com');
    await storesOf(aws).suppressions.addIfAbsent({
      email: 'carl@example.com',
      reason: 'BOUNCED',
      addedAt: '2026-01-01T00:00:00.000Z',
    });
    expect((await oneClick(token)).statusCode).toBe(200);
    expect(await recorded('carl@example.com', batchId, sendId)).toEqual({
      suppression: { email: 'carl@example.com', reason: 'BOUNCED', addedAt: '2026-01-01T00:00:00.000Z' },
      unsubscribedAt: expect.any(String),
      unsubscribed: 1,
    });
  });

  it("touches no other recipient's address, nor the other sends of the batch", async () => {
    const { batchId } = await ingestMails(aws, ['dora@example.com', 'erin@example.com']);
    const dora = sendIdFor(batchId, 'dora@example.com');
    expect((await oneClick(tokens.tokenFor(dora))).statusCode).toBe(200);
    expect(await storesOf(aws).suppressions.get('erin@example.com')).toBeUndefined();
    expect((await storesOf(aws).sends.getSend(sendIdFor(batchId, 'erin@example.com')))?.unsubscribedAt).toBe(
      undefined,
    );
    expect((await recorded('dora@example.com', batchId, dora)).unsubscribed).toBe(1);
  });

  it('is taken as multipart/form-data too (the example of RFC 8058), and gzipped', async () => {
    const { batchId, sendId, token } = await mailedTo('fred@example.com');
    const form = await multipartBody([{ name: 'List-Unsubscribe', content: 'One-Click' }]);
    const answer = await call({
      method: 'POST',
      path: `/unsubscribe/${token}`,
      headers: { 'content-type': form.contentType },
      body: form.body,
    });
    expect(answer.statusCode).toBe(200);
    expect((await recorded('fred@example.com', batchId, sendId)).unsubscribed).toBe(1);

    const gina = await mailedTo('gina@example.com');
    const gzipped = await call({
      method: 'POST',
      path: `/unsubscribe/${gina.token}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' },
      body: gzipSync('List-Unsubscribe=One-Click'),
    });
    expect(gzipped.statusCode).toBe(200);
  });

  it("answers a browser's form post (the GET page's button) with a page that says it is done", async () => {
    const { token } = await mailedTo('hugo@example.com');
    const answer = await oneClick(token, { accept: 'text/html,application/xhtml+xml' });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.body).toContain('<h1 role="status">You are unsubscribed</h1>');
  });
});

describe('GET /unsubscribe/{token}', () => {
  it('shows a page whose button POSTs the one-click form back to the link, and changes nothing', async () => {
    const { batchId, sendId, token } = await mailedTo('iris@example.com');
    const answer = await page(token);
    expect(answer.statusCode).toBe(200);
    expect(answer.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    expect(answer.body).toContain('<form method="post">');
    expect(answer.body).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
    expect(answer.body).toContain('<button type="submit">Unsubscribe</button>');
    expect(answer.body).not.toContain('<script');
    expect(answer.body).not.toContain('iris');
    // Opened twice, as a mail scanner and then a person would: still nothing.
    await page(token);
    expect(await recorded('iris@example.com', batchId, sendId)).toEqual(NOTHING);
  });
});

describe('a link that is not one of ours', () => {
  it('gets one plain 404, the same body on either method whatever is wrong with it, and changes nothing', async () => {
    const { batchId, sendId, token } = await mailedTo('jack@example.com');
    const flipped = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
    const forged = new UnsubscribeTokens('an attacker guessing at the secret key!!').tokenFor(sendId);
    const unknownSend = tokens.tokenFor(sendIdFor('no-such-batch', 'jack@example.com'));
    const answers = [];
    for (const bad of [flipped, forged, unknownSend, token.slice(0, 40), 'not-a-token', `${token}x`]) {
      answers.push(await oneClick(bad), await page(bad));
    }
    for (const answer of answers) {
      expect(answer).toEqual({
        statusCode: 404,
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
          'x-robots-tag': 'noindex, nofollow',
        },
        body: 'Not found\n',
      });
    }
    expect(await recorded('jack@example.com', batchId, sendId)).toEqual(NOTHING);
  });
});

describe('a POST that is not the one-click form', () => {
  it('gets 400 naming the body wanted, 415 for another type, 413 above 1 KB, and changes nothing', async () => {
    const { batchId, sendId, token } = await mailedTo('kate@example.com');
    const post = (body: string, contentType = 'application/x-www-form-urlencoded') =>
      call({ method: 'POST', path: `/unsubscribe/${token}`, headers: { 'content-type': contentType }, body });
    for (const body of [
      '',
      'List-Unsubscribe=One-Click-Please',
      'list-unsubscribe=one-click',
      'unsubscribe=1',
    ]) {
      const answer = await post(body);
      expect([body, answer.statusCode]).toEqual([body, 400]);
      expect(JSON.parse(String(answer.body)).error).toContain('List-Unsubscribe=One-Click');
    }
    expect((await post('{"List-Unsubscribe":"One-Click"}', 'application/json')).statusCode).toBe(415);
    expect((await post(`List-Unsubscribe=One-Click&pad=${'x'.repeat(1024)}`)).statusCode).toBe(413);
    expect(await recorded('kate@example.com', batchId, sendId)).toEqual(NOTHING);
  });
});
