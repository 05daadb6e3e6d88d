import { S3Client, type S3ClientConfig as SdkS3ClientConfig } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '../config/function-config.js';
import { tracer } from '../observability/tracer.js';

/**
 * Options of the large-file path's S3 client. Checksums only when an operation requires them: by
 * default (SDK 3.729 and later) a pre-signed PutObject carries `x-amz-checksum-crc32` computed over the
 * empty body it was signed with (`AAAAAA==`), and S3 then refuses every real file PUT to the URL.
 */
export const s3ClientOptions = (config: S3ClientConfig): SdkS3ClientConfig => ({
  forcePathStyle: config.forcePathStyle,
  requestChecksumCalculation: 'WHEN_REQUIRED',
});

/**
 * The S3 client of the large-file path, created once per container. The endpoint comes from the
 * standard AWS_ENDPOINT_URL_S3 variable, as the other clients' do (lambdas/core/aws/clients.ts); a local S3
 * stand-in also needs path-style addressing.
 */
export const s3Client = (config: S3ClientConfig) =>
  tracer.captureAWSv3Client(new S3Client(s3ClientOptions(config)));
