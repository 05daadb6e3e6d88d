import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fragmentFanOut, nesting } from '../helpers/hostile-queries.js';
import { runnerForThisFile } from '../helpers/local-runner-process.js';
import { CONTENT_TYPE, malformedBodies, WELL_FORMED } from '../helpers/multipart-bodies.js';

/**
 * Bad and hostile requests sent to `npm start` as a client would: each gets its 4xx, and the runner
 * goes on serving. Before, one body cut short inside its file part made the multipart parser raise an
 * error nobody handled, and the whole process, with its sender and in-memory queue, exited.
 */

const APP = 'https://app.example.com';
const local = runnerForThisFile({ LOCAL_CORS_ORIGINS: APP });
const url = (path: string) => `${local.runner.apiUrl}${path}`;

async function healthy(): Promise<number> {
  return (await fetch(url('/health'))).status;
}

const upload = (body: string | Buffer, headers: Record<string, string>) =>
  fetch(url('/campaigns/upload'), {
    method: 'POST',
    headers: { 'x-api-key': local.runner.apiKey, ...headers },
    // Bytes as built: a Blob-backed copy, as fetch takes no Buffer of a shared pool.
    body: new Uint8Array(typeof body === 'string' ? Buffer.from(body, 'latin1') : body),
  });

/** A request whose client sends part of the body it announced, then closes the connection. */
function abandonedUpload(): Promise<void> {
  const { hostname, port } = new URL(local.runner.apiUrl);
  return new Promise((resolve) => {
    const request = httpRequest({
      host: hostname,
      port,
      method: 'POST',
      path: '/campaigns/upload',
      headers: {
        'x-api-key': local.runner.apiKey,
        'content-type': CONTENT_TYPE,
        'content-length': String(WELL_FORMED.length * 10),
      },
    });
    request.on('error', () => resolve());
    request.write(WELL_FORMED.slice(0, 60), () => {
      request.destroy();
      resolve();
    });
  });
}

describe('the local runner, sent malformed uploads', () => {
  it('answers each malformed multipart body with its 400 and still serves /health after each', async () => {
    for (const { name, body, contentType, status, problem } of malformedBodies()) {
      const answer = await upload(body, { 'content-type': contentType });
      const json = (await answer.json()) as { error: string; problem?: string };
      expect([name, answer.status, json.problem]).toEqual([name, status, problem]);
      expect(json.error.length).toBeGreaterThan(20);
      expect([name, await healthy()]).toEqual([name, 200]);
    }
  });

  it('answers the body cut at every 7th byte of its first part with a 400, never a 500', async () => {
    const firstPart = WELL_FORMED.indexOf('\r\n--', 10);
    for (let cut = 1; cut < firstPart; cut += 7) {
      const answer = await upload(WELL_FORMED.slice(0, cut), { 'content-type': CONTENT_TYPE });
      expect([cut, answer.status]).toEqual([cut, 400]);
      await answer.arrayBuffer();
    }
    expect(await healthy()).toBe(200);
  });

  it('survives a client that hangs up in the middle of its body', async () => {
    await abandonedUpload();
    await abandonedUpload();
    expect(await healthy()).toBe(200);
  });

  it('answers a zip bomb with 413 and a CSV in another charset with 415', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 'a'));
    const bombed = await upload(bomb, { 'content-type': 'text/csv', 'content-encoding': 'gzip' });
    expect(bombed.status).toBe(413);
    expect(await bombed.json()).toMatchObject({ largeFileUpload: 'POST /campaigns/uploads' });
    const sjis = await upload('email,subject,content\n', { 'content-type': 'text/csv; charset=shift_jis' });
    expect([sjis.status, ((await sjis.json()) as { problem: string }).problem]).toEqual([
      415,
      'UNSUPPORTED_CHARSET',
    ]);
    expect(await healthy()).toBe(200);
  });
});

describe('the local runner, sent hostile GraphQL', () => {
  const ask = (body: string) =>
    fetch(url('/graphql'), {
      method: 'POST',
      headers: { 'x-api-key': local.runner.apiKey, 'content-type': 'application/json' },
      body,
    });

  it('refuses fan-out, deep nesting, batches and a 1 MB body with their 4xx, and still serves', async () => {
    const cases: [string, string, number, string][] = [
      ['fan-out of 20', JSON.stringify({ query: fragmentFanOut(20) }), 400, 'QUERY_TOO_COSTLY'],
      ['4,000 levels', JSON.stringify({ query: nesting(4000) }), 400, 'QUERY_TOO_MANY_TOKENS'],
      [
        'a batch',
        JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
        400,
        'BATCHING_NOT_SUPPORTED',
      ],
      [
        '1 MB',
        JSON.stringify({ query: `#${'x'.repeat(1024 * 1024)}\n{ __typename }` }),
        413,
        'REQUEST_TOO_LARGE',
      ],
    ];
    for (const [name, body, status, code] of cases) {
      const answer = await ask(body);
      const json = (await answer.json()) as {
        errors?: { extensions?: { code?: string } }[];
        problem?: string;
      };
      expect([name, answer.status, json.errors?.[0]?.extensions?.code ?? json.problem]).toEqual([
        name,
        status,
        code,
      ]);
    }
    expect(await healthy()).toBe(200);
  });
});

describe('the local runner, as API Gateway', () => {
  it('routes on the path alone and answers a method a route lacks with 405 and Allow', async () => {
    expect((await fetch(url('/health?x=1'))).status).toBe(200);
    const post = await fetch(url('/health'), { method: 'POST' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET']);
  });

  it('allows the configured origin only, answering its preflight itself and no credentials', async () => {
    const preflight = await fetch(url('/graphql'), {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'POST' },
    });
    expect([preflight.status, preflight.headers.get('access-control-allow-origin')]).toEqual([204, APP]);
    const query = (origin: string) =>
      fetch(url('/graphql'), {
        method: 'POST',
        headers: { origin, 'x-api-key': local.runner.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
    const allowed = await query(APP);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(APP);
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();
    const evil = await query('https://evil.example');
    expect(evil.status).toBe(200);
    expect([...evil.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });
});
