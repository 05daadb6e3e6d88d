import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../lambdas/core/http/http-error.js';
import { uploadedFile } from '../../lambdas/upload-api/upload-body.js';
import { multipartBody } from '../helpers/multipart.js';

const CSV = 'email,subject,content\nana@example.com,Hi,Hello\n';
const MAX = 1024 * 1024;

const text = (bytes: Buffer): string => bytes.toString('utf8');

async function rejection(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof HttpError)) throw new Error(`expected an HttpError, got ${String(error)}`);
  return error;
}

describe('finding the CSV in an upload request', () => {
  it('reads the file field of a multipart/form-data body, as curl -F sends it', async () => {
    const { body, contentType } = await multipartBody([
      { name: 'note', content: 'ignored' },
      { name: 'file', content: CSV, fileName: 'list.csv' },
    ]);
    const file = await uploadedFile(
      { headers: { 'content-type': contentType }, body: body.toString('base64'), isBase64Encoded: true },
      MAX,
    );
    expect(file.fileName).toBe('list.csv');
    expect(text(file.bytes)).toBe(CSV);
  });

  it('accepts a file part sent as application/octet-stream', async () => {
    const { body, contentType } = await multipartBody([
      { name: 'file', content: CSV, fileName: 'export', type: 'application/octet-stream' },
    ]);
    const file = await uploadedFile(
      { headers: { 'content-type': contentType }, body: body.toString('base64'), isBase64Encoded: true },
      MAX,
    );
    expect(text(file.bytes)).toBe(CSV);
  });

  it('reads a raw text/csv body', async () => {
    const file = await uploadedFile(
      { headers: { 'content-type': 'text/csv; charset=utf-8' }, body: CSV, isBase64Encoded: false },
      MAX,
    );
    expect(file.fileName).toBeUndefined();
    expect(text(file.bytes)).toBe(CSV);
  });

  it('answers 415 for a JSON body and says what to send instead', async () => {
    const error = await rejection(
      uploadedFile(
        { headers: { 'content-type': 'application/json' }, body: '{}', isBase64Encoded: false },
        MAX,
      ),
    );
    expect(error.statusCode).toBe(415);
    expect(error.message).toContain('multipart/form-data in a field named "file"');
  });

  it('answers 415 for a request with no content type', async () => {
    expect(
      (await rejection(uploadedFile({ headers: {}, body: CSV, isBase64Encoded: false }, MAX))).statusCode,
    ).toBe(415);
  });

  it('answers 415 for a multipart file that is an image', async () => {
    const { body, contentType } = await multipartBody([
      {
        name: 'file',
        content: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
        fileName: 'logo.png',
        type: 'image/png',
      },
    ]);
    const error = await rejection(
      uploadedFile(
        { headers: { 'content-type': contentType }, body: body.toString('base64'), isBase64Encoded: true },
        MAX,
      ),
    );
    expect(error.statusCode).toBe(415);
  });

  it('answers 415 when the multipart body has no file in a field named file, naming the field', async () => {
    const { body, contentType } = await multipartBody([{ name: 'csv', content: CSV, fileName: 'list.csv' }]);
    const error = await rejection(
      uploadedFile(
        { headers: { 'content-type': contentType }, body: body.toString('base64'), isBase64Encoded: true },
        MAX,
      ),
    );
    expect([error.statusCode, error.details]).toEqual([415, { problem: 'NO_FILE_FIELD' }]);
    expect(error.message).toBe(
      'the multipart/form-data body has no file in a field named "file": send the CSV as that field (curl -F file=@list.csv)',
    );
  });

  it('answers 415 when the field file is a text field, saying to send a file', async () => {
    const { body, contentType } = await multipartBody([{ name: 'file', content: CSV }]);
    const error = await rejection(
      uploadedFile(
        { headers: { 'content-type': contentType }, body: body.toString('base64'), isBase64Encoded: true },
        MAX,
      ),
    );
    expect([error.statusCode, error.details]).toEqual([415, { problem: 'NO_FILE_FIELD' }]);
    expect(error.message).toBe(
      'the field "file" of the multipart/form-data body is a text field, not a file: send the CSV as a file (curl -F file=@list.csv)',
    );
  });

  it('answers 400 for multipart without a boundary', async () => {
    const error = await rejection(
      uploadedFile(
        { headers: { 'content-type': 'multipart/form-data' }, body: CSV, isBase64Encoded: false },
        MAX,
      ),
    );
    expect([error.statusCode, error.details]).toEqual([400, { problem: 'MALFORMED_MULTIPART' }]);
    expect(error.message).toBe(
      'malformed multipart/form-data: the Content-Type has no boundary parameter (multipart/form-data; boundary=…)',
    );
  });

  it('answers 413 above the size limit and states the limit', async () => {
    const error = await rejection(
      uploadedFile(
        { headers: { 'content-type': 'text/csv' }, body: 'x'.repeat(2048), isBase64Encoded: false },
        1024,
      ),
    );
    expect(error.statusCode).toBe(413);
    expect(error.details).toEqual({ maxBytes: 1024, largeFileUpload: 'POST /campaigns/uploads' });
    expect(error.message).toContain('POST /campaigns/uploads');
  });

  it('hashes the file and not the form, so that a retry with another boundary has the same fingerprint', async () => {
    const first = await multipartBody([{ name: 'file', content: CSV, fileName: 'list.csv' }]);
    const second = await multipartBody([
      { name: 'note', content: 'other' },
      { name: 'file', content: CSV, fileName: 'renamed.csv' },
    ]);
    const hashOf = async (form: { body: Buffer; contentType: string }) =>
      (
        await uploadedFile(
          {
            headers: { 'content-type': form.contentType },
            body: form.body.toString('base64'),
            isBase64Encoded: true,
          },
          MAX,
        )
      ).sha256;
    const raw = await uploadedFile(
      { headers: { 'content-type': 'text/csv' }, body: CSV, isBase64Encoded: false },
      MAX,
    );
    expect(await hashOf(first)).toBe(raw.sha256);
    expect(await hashOf(second)).toBe(raw.sha256);
    expect(raw.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads dryRun from the query string or from a form field placed after the file', async () => {
    const raw = await uploadedFile(
      {
        headers: { 'content-type': 'text/csv' },
        body: CSV,
        isBase64Encoded: false,
        query: { dryRun: 'true' },
      },
      MAX,
    );
    expect(raw.dryRun).toBe(true);
    const { body, contentType } = await multipartBody([
      { name: 'file', content: CSV, fileName: 'list.csv' },
      { name: 'dryRun', content: 'true' },
    ]);
    const file = await uploadedFile(
      { headers: { 'content-type': contentType }, body: body.toString('base64'), isBase64Encoded: true },
      MAX,
    );
    expect(file.dryRun).toBe(true);
    expect(text(file.bytes)).toBe(CSV);
    const plain = await uploadedFile(
      { headers: { 'content-type': 'text/csv' }, body: CSV, isBase64Encoded: false },
      MAX,
    );
    expect(plain.dryRun).toBe(false);
  });

  it('answers 400 for a dryRun that is neither true nor false', async () => {
    const error = await rejection(
      uploadedFile(
        {
          headers: { 'content-type': 'text/csv' },
          body: CSV,
          isBase64Encoded: false,
          query: { dryRun: 'maybe' },
        },
        MAX,
      ),
    );
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe('query parameter dryRun must be true or false, got "maybe"');
  });

  it('takes allowDuplicate as a query parameter or a form field, false unless given', async () => {
    const plain = await uploadedFile(
      { headers: { 'content-type': 'text/csv' }, body: CSV, isBase64Encoded: false },
      MAX,
    );
    expect(plain.allowDuplicate).toBe(false);
    const query = await uploadedFile(
      {
        headers: { 'content-type': 'text/csv' },
        body: CSV,
        isBase64Encoded: false,
        query: { allowDuplicate: 'true' },
      },
      MAX,
    );
    expect(query.allowDuplicate).toBe(true);
    const { body, contentType } = await multipartBody([
      { name: 'file', content: CSV, fileName: 'list.csv' },
      { name: 'allowDuplicate', content: 'true' },
    ]);
    const form = await uploadedFile(
      { headers: { 'content-type': contentType }, body: body.toString('base64'), isBase64Encoded: true },
      MAX,
    );
    expect([form.allowDuplicate, form.dryRun]).toEqual([true, false]);
  });

  it('answers 400 for an allowDuplicate that is neither true nor false', async () => {
    const error = await rejection(
      uploadedFile(
        {
          headers: { 'content-type': 'text/csv' },
          body: CSV,
          isBase64Encoded: false,
          query: { allowDuplicate: 'twice' },
        },
        MAX,
      ),
    );
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe('query parameter allowDuplicate must be true or false, got "twice"');
  });

  it('hashes the file as sent, and keeps its bytes for the writer', async () => {
    const file = await uploadedFile(
      { headers: { 'content-type': 'text/csv' }, body: CSV, isBase64Encoded: false },
      MAX,
    );
    expect(file.sha256).toBe(createHash('sha256').update(CSV).digest('hex'));
    expect(file.bytes.equals(Buffer.from(CSV))).toBe(true);
  });
});
