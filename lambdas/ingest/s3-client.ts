import { S3Client } from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '../config/function-config.js';
import { tracer } from '../observability/tracer.js';

/**
 * The S3 client of the large-file path, created once per container. The endpoint comes from the
 * standard AWS_ENDPOINT_URL_S3 variable, as the other clients' do (lambdas/aws/clients.ts); a local S3
 * stand-in also needs path-style addressing.
 */
export const s3Client = (config: S3ClientConfig) =>
  tracer.captureAWSv3Client(new S3Client({ forcePathStyle: config.forcePathStyle }));
