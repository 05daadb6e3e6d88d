import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runnerForThisFile } from '../helpers/local-runner-process.js';

const run = promisify(execFile);

/** `npm run apikey -- …` against the running local runner, as a developer would type it. */
async function apikey(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'ops/apikey.ts', ...args, '--local'], {
    env: { ...process.env, LOCAL_DATA_DIR: local.dataDir },
  });
  return stdout;
}

async function createKey(name: string, scopes: string): Promise<{ key: string; keyId: string }> {
  const out = await apikey('create', '--name', name, '--scopes', scopes);
  const keyId = /^Created key (\w+)/m.exec(out)?.[1];
  const key = out.trim().split('\n').at(-1);
  if (!keyId || !key?.startsWith('cmk_')) throw new Error(`unexpected apikey output:\n${out}`);
  return { key, keyId };
}

const upload = (headers: Record<string, string>) =>
  fetch(`${local.runner.apiUrl}/campaigns/upload`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', ...headers },
    body: 'email,subject,content\nkey-test@example.com,Hi,Hello\n',
  });

const query = (headers: Record<string, string>) =>
  fetch(`${local.runner.apiUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query: '{ emailSends(status: "SENT", limit: 1) { sendId } }' }),
  });

const local = runnerForThisFile();

describe('API keys through the local runner', () => {
  it('refuses an upload without a key with 401 and a JSON error', async () => {
    const response = await upload({});
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'missing API key: send it in the x-api-key header' });
  });

  it('refuses an unknown key with 401', async () => {
    const response = await upload({ 'x-api-key': 'cmk_this-key-was-never-created-anywhere' });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ error: 'invalid or revoked API key' });
  });

  it('refuses an upload with a read-only key with 403, and answers its queries', async () => {
    const { key } = await createKey('analyst', 'read');
    const refused = await upload({ 'x-api-key': key });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'this API key does not have the "upload" scope' });
    const answered = await query({ 'x-api-key': key });
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ data: { emailSends: expect.any(Array) } });
  });

  it('accepts an upload with an upload key, and refuses its queries with 403', async () => {
    const { key } = await createKey('marketer', 'upload');
    const accepted = await upload({ 'x-api-key': key });
    expect(accepted.status).toBe(202);
    const refused = await query({ 'x-api-key': key });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'this API key does not have the "read" scope' });
  });

  it('refuses a key once it is revoked', async () => {
    const { key, keyId } = await createKey('leaver', 'upload,read');
    expect((await query({ 'x-api-key': key })).status).toBe(200);
    await apikey('revoke', keyId);
    const refused = await query({ 'x-api-key': key });
    expect(refused.status).toBe(401);
    expect(await apikey('list')).toMatch(new RegExp(`^${keyId}\\s+leaver\\s+.*revoked`, 'm'));
  });

  it('refuses a GraphQL query without a key but serves the GraphiQL page to a browser', async () => {
    expect((await query({})).status).toBe(401);
    const page = await fetch(`${local.runner.apiUrl}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('GraphiQL');
  });

  it('keeps /health public', async () => {
    expect((await fetch(`${local.runner.apiUrl}/health`)).status).toBe(200);
  });

  it('lists keys without ever showing a key or its hash', async () => {
    const { key } = await createKey('auditor', 'read');
    const listing = await apikey('list');
    expect(listing).toMatch(/auditor\s+read/);
    expect(listing).toMatch(/local-development\s+upload,read/);
    expect(listing).not.toContain(key);
    expect(listing).not.toMatch(/[0-9a-f]{64}/);
  });
});
