import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { createLargeUpload, decodeFileName } from '../../lambdas/ingest/large-upload.js';

const s3 = new S3Client({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
});
const now = new Date('2026-11-20T10:00:00Z');
const deps = {
  s3,
  bucketName: 'uploads-bucket',
  urlSeconds: 900,
  clock: () => now,
  newBatchId: () => '8b222e66-5d1c-4a7f-9a63-0d4c0f1f4a0e',
};

describe('a large-file upload URL', () => {
  it('is a PUT for uploads/<batchId>.csv, valid 15 minutes, with the content type signed', async () => {
    const upload = await createLargeUpload(deps);
    const url = new URL(upload.uploadUrl);
    expect(upload).toMatchObject({
      batchId: '8b222e66-5d1c-4a7f-9a63-0d4c0f1f4a0e',
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      expiresAt: '2026-11-20T10:15:00.000Z',
    });
    expect(url.pathname).toContain('uploads/8b222e66-5d1c-4a7f-9a63-0d4c0f1f4a0e.csv');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Date')).toBe('20261120T100000Z');
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';').sort()).toEqual(['content-type', 'host']);
  });

  it('signs the file name and the dry run as metadata headers the PUT must send', async () => {
    const upload = await createLargeUpload(deps, { fileName: 'Campaña final.csv', dryRun: true });
    expect(upload.headers).toEqual({
      'content-type': 'text/csv',
      'x-amz-meta-file-name': 'Campa%C3%B1a%20final.csv',
      'x-amz-meta-dry-run': 'true',
    });
    const signed = new URL(upload.uploadUrl).searchParams.get('X-Amz-SignedHeaders')?.split(';') ?? [];
    expect(signed).toEqual(expect.arrayContaining(['x-amz-meta-file-name', 'x-amz-meta-dry-run']));
    expect(decodeFileName(upload.headers['x-amz-meta-file-name'])).toBe('Campaña final.csv');
  });
});
