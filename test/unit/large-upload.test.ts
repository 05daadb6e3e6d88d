import { S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { decodeFileName } from '../../lambdas/contract/upload-object.js';
import { s3ClientOptions } from '../../lambdas/core/aws/s3-client.js';
import { uploadUrlConfig, writerConfig } from '../../lambdas/core/config/function-config.js';
import type { ApiKeyCheck } from '../../lambdas/core/http/api-key-check.js';
import { createUploadUrlHandler } from '../../lambdas/upload-url/handler.js';
import { createLargeUpload } from '../../lambdas/upload-url/presigned-upload.js';
import { lambdaContext } from '../../local/lambda-context.js';
import { httpApiEvent } from '../helpers/http-api-event.js';

const s3 = new S3Client({
  ...s3ClientOptions({ forcePathStyle: false }),
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
});
const now = new Date('2026-11-20T10:00:00Z');
/** What the URLs registered on the writer list (the store itself is tested against the emulator). */
const registered: unknown[][] = [];
const deps = {
  s3,
  bucketName: 'uploads-bucket',
  urlSeconds: 900,
  writers: {
    register: async (...args: unknown[]) => {
      registered.push(args);
    },
  },
  retentionSeconds: 86_400,
  clock: () => now,
  newBatchId: () => '8b222e66-5d1c-4a7f-9a63-0d4c0f1f4a0e',
};
const signedHeadersOf = (url: string) =>
  new URL(url).searchParams.get('X-Amz-SignedHeaders')?.split(';').sort() ?? [];
const signatureOf = (url: string) => new URL(url).searchParams.get('X-Amz-Signature');

describe('a large-file upload URL', () => {
  it('is a PUT for uploads/<batchId>.csv, valid 15 minutes, with the content type and length signed', async () => {
    const upload = await createLargeUpload(deps, { size: 123_456 });
    const url = new URL(upload.uploadUrl);
    expect(upload).toMatchObject({
      batchId: '8b222e66-5d1c-4a7f-9a63-0d4c0f1f4a0e',
      method: 'PUT',
      headers: { 'content-type': 'text/csv', 'content-length': '123456' },
      expiresAt: '2026-11-20T10:15:00.000Z',
    });
    expect(url.pathname).toContain('uploads/8b222e66-5d1c-4a7f-9a63-0d4c0f1f4a0e.csv');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20261120T100000Z');
    expect(signedHeadersOf(upload.uploadUrl)).toEqual(['content-length', 'content-type', 'host']);
  });

  it('registers the file on the writer list before giving the URL out, due when the URL expires', async () => {
    registered.length = 0;
    const upload = await createLargeUpload(deps, { size: 10 });
    expect(registered).toEqual([
      [
        upload.batchId,
        {
          bucket: 'uploads-bucket',
          key: `uploads/${upload.batchId}.csv`,
          createdAt: '2026-11-20T10:00:00.000Z',
        },
        now,
        Math.floor(now.getTime() / 1000) + 86_400,
        { fileDueBy: Date.parse('2026-11-20T10:15:00.000Z') },
      ],
    ]);
  });

  it('binds the signature to the length, so a PUT of another length does not match it', async () => {
    const first = await createLargeUpload(deps, { size: 1000 });
    const again = await createLargeUpload(deps, { size: 1000 });
    const longer = await createLargeUpload(deps, { size: 1001 });
    expect(signatureOf(again.uploadUrl)).toBe(signatureOf(first.uploadUrl));
    expect(signatureOf(longer.uploadUrl)).not.toBe(signatureOf(first.uploadUrl));
  });

  it('carries no checksum of the empty body it was signed with, which S3 would hold the file to', async () => {
    const upload = await createLargeUpload(deps, { size: 1000 });
    const names = [...new URL(upload.uploadUrl).searchParams.keys()].map((name) => name.toLowerCase());
    expect(names.filter((name) => name.includes('checksum'))).toEqual([]);
  });

  it('signs the file name and the dry run as metadata headers the PUT must send', async () => {
    const upload = await createLargeUpload(deps, { size: 10, fileName: 'Campaña final.csv', dryRun: true });
    expect(upload.headers).toEqual({
      'content-type': 'text/csv',
      'content-length': '10',
      'x-amz-meta-file-name': 'Campa%C3%B1a%20final.csv',
      'x-amz-meta-dry-run': 'true',
    });
    expect(signedHeadersOf(upload.uploadUrl)).toEqual(
      expect.arrayContaining(['x-amz-meta-file-name', 'x-amz-meta-dry-run']),
    );
    expect(decodeFileName(upload.headers['x-amz-meta-file-name'])).toBe('Campaña final.csv');
  });
});

describe('POST /campaigns/uploads', () => {
  const apiKeys = { require: async () => 'key-id' } as unknown as ApiKeyCheck;
  const handler = createUploadUrlHandler({ ...deps, apiKeys, maxFileBytes: 1024 ** 3 });
  const post = async (init: { body?: string; query?: Record<string, string>; contentType?: string }) => {
    const result = (await handler(
      httpApiEvent({
        method: 'POST',
        path: '/campaigns/uploads',
        headers: { 'x-api-key': 'k', 'content-type': init.contentType ?? 'application/json' },
        ...(init.body === undefined ? {} : { body: init.body }),
        ...(init.query ? { query: init.query } : {}),
      }),
      lambdaContext('uploadUrl'),
    )) as APIGatewayProxyStructuredResultV2;
    return { status: result.statusCode, body: JSON.parse(result.body ?? '{}') as Record<string, unknown> };
  };

  it('gives a URL signed for the size, file name and dry run of a JSON body', async () => {
    const answer = await post({
      body: JSON.stringify({ fileName: 'list.csv', size: 5_000_000, dryRun: true }),
    });
    expect(answer.status).toBe(201);
    expect(answer.body.headers).toEqual({
      'content-type': 'text/csv',
      'content-length': '5000000',
      'x-amz-meta-file-name': 'list.csv',
      'x-amz-meta-dry-run': 'true',
    });
  });

  it('still takes fileName, dryRun and size as query parameters', async () => {
    const answer = await post({ query: { fileName: 'list.csv', size: '2048', dryRun: 'true' } });
    expect(answer.status).toBe(201);
    expect(answer.body.headers).toMatchObject({ 'content-length': '2048', 'x-amz-meta-dry-run': 'true' });
  });

  it('refuses a request without a size with 400, saying what size is', async () => {
    const answer = await post({ body: JSON.stringify({ fileName: 'list.csv' }) });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ problem: 'SIZE_REQUIRED' });
    expect(answer.body.error).toMatch(/size is required: the file's length in bytes/);
  });

  it.each([
    [{ size: 0 }, /body field size must be the file's length in bytes, at least 1; got 0/],
    [{ size: 12.5 }, /body field size .* got 12.5/],
    [{ size: '12kb' }, /body field size .* got "12kb"/],
    [{ size: -3 }, /body field size .* got -3/],
  ])('refuses the invalid size %j with 400 naming the field and the value', async (body, message) => {
    const answer = await post({ body: JSON.stringify(body) });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ problem: 'INVALID_SIZE' });
    expect(answer.body.error).toMatch(message);
  });

  it('refuses a size above the maximum with 413 naming the maximum', async () => {
    const answer = await post({ body: JSON.stringify({ size: 1024 ** 3 + 1 }) });
    expect(answer.status).toBe(413);
    expect(answer.body).toEqual({
      error: 'the file is 1073741825 bytes; the largest file this API takes is 1073741824 bytes (1 GiB)',
      problem: 'FILE_TOO_LARGE',
      maxBytes: 1024 ** 3,
    });
  });

  it('refuses a body that is not a JSON object, or holds unknown fields, with 400 saying so', async () => {
    const broken = await post({ body: '{"size": 10' });
    expect([broken.status, broken.body.problem]).toEqual([400, 'INVALID_BODY']);
    expect(broken.body.error).toMatch(/^the body is not valid JSON/);
    expect((await post({ body: '[10]' })).body.error).toMatch(/^the body must be a JSON object/);
    const unknown = await post({ body: JSON.stringify({ size: 10, filesize: 10 }) });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({
      error: 'unknown field(s) in the body: filesize; the fields are fileName, size, dryRun',
      problem: 'INVALID_BODY',
    });
  });

  it('refuses a field given both in the body and the query string', async () => {
    const answer = await post({ body: JSON.stringify({ size: 10 }), query: { size: '10' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('size is given both in the body and as a query parameter; give it once');
  });

  it('refuses the CSV itself, sent here instead of to the upload URL, with 415', async () => {
    const answer = await post({ body: 'email,subject,content\n', contentType: 'text/csv' });
    expect([answer.status, answer.body.problem]).toEqual([415, 'UNSUPPORTED_CONTENT_TYPE']);
    expect(answer.body.error).toMatch(/PUT the file itself to the uploadUrl/);
  });

  it('refuses a file name or dry run of the wrong type, naming the field', async () => {
    expect((await post({ body: JSON.stringify({ size: 10, fileName: 3 }) })).body.error).toBe(
      'body field fileName must be a string, got 3',
    );
    expect((await post({ body: JSON.stringify({ size: 10, dryRun: 'maybe' }) })).body.error).toBe(
      'body field dryRun must be true or false, got "maybe"',
    );
  });
});

describe('MAX_LARGE_UPLOAD_BYTES', () => {
  const env = { TABLE_NAME: 't', UPLOAD_BUCKET: 'b', QUEUE_URL: 'q' };

  it('is 1 GiB unless set, and the same for the upload URL and the writer', () => {
    expect(uploadUrlConfig(env).maxFileBytes).toBe(1024 ** 3);
    expect(
      writerConfig({
        ...env,
        QUEUE_URL: 'q',
        PRIORITY_QUEUE_URL: 'p',
        WRITE_QUEUE_URL: 'w',
        MAX_LARGE_UPLOAD_BYTES: '2048',
      }).maxFileBytes,
    ).toBe(2048);
    expect(uploadUrlConfig({ ...env, MAX_LARGE_UPLOAD_BYTES: '2048' }).maxFileBytes).toBe(2048);
  });

  it('refuses a value above what one S3 PUT can carry, naming the variable', () => {
    expect(() => uploadUrlConfig({ ...env, MAX_LARGE_UPLOAD_BYTES: String(6 * 1024 ** 3) })).toThrow(
      /MAX_LARGE_UPLOAD_BYTES must be an integer from 1024 to 5368709120/,
    );
  });
});
