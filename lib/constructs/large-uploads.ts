import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { S3EventSourceV2 } from 'aws-cdk-lib/aws-lambda-event-sources';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  EventType,
  HttpMethods,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { environmentOf } from '../../lambdas/contract/setting-sources.js';
import {
  DRY_RUN_HEADER,
  FILE_NAME_HEADER,
  UPLOAD_KEY_PREFIX,
  UPLOAD_KEY_SUFFIX,
} from '../../lambdas/contract/upload-object.js';
import { ProjectFunction } from './project-function.js';

/** Uploaded files are kept this long (for a look when a report surprises), then deleted by S3. */
export const UPLOAD_RETENTION = Duration.days(7);
/** Lifetime of a pre-signed upload URL. */
export const UPLOAD_URL_LIFETIME = Duration.minutes(15);

export interface LargeUploadsProps {
  readonly table: ITable;
  readonly queue: IQueue;
  /** Browser origins allowed to PUT to the upload URLs; none: no CORS on the bucket. */
  readonly corsOrigins: readonly string[];
  /** The largest campaign file, signed into each upload URL and checked again by the ingest. */
  readonly maxFileBytes: number;
  readonly removalPolicy: RemovalPolicy;
  readonly logEncryptionKey?: IKey;
}

/**
 * The large-file path: a private bucket, the function behind POST /campaigns/uploads that hands out
 * pre-signed PUT URLs for `uploads/<batchId>.csv`, and the function S3 invokes for each uploaded file,
 * which reads it with the same rules as an upload through the API.
 */
export class LargeUploads extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;
  readonly uploadUrl: ProjectFunction;
  readonly ingestS3: ProjectFunction;

  constructor(scope: Construct, id: string, props: LargeUploadsProps) {
    super(scope, id);
    const { table, queue, removalPolicy, logEncryptionKey } = props;
    const common = { removalPolicy, ...(logEncryptionKey ? { logEncryptionKey } : {}) };

    // Log delivery is granted by a bucket policy (for the upload bucket only), not by the legacy
    // LogDeliveryWrite ACL that CDK uses without this flag.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy,
    });
    // cdk-nag's S1 does not ask a bucket that receives server access logs to log itself.

    this.bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'uploads/',
      lifecycleRules: [
        {
          prefix: UPLOAD_KEY_PREFIX,
          expiration: UPLOAD_RETENTION,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      ...(props.corsOrigins.length > 0
        ? {
            cors: [
              {
                allowedOrigins: [...props.corsOrigins],
                allowedMethods: [HttpMethods.PUT],
                allowedHeaders: ['content-type', FILE_NAME_HEADER, DRY_RUN_HEADER],
                maxAge: 3600,
              },
            ],
          }
        : {}),
      removalPolicy,
    });
    const uploads = this.bucket.arnForObjects(`${UPLOAD_KEY_PREFIX}*`);
    const uploadsReason = (what: string) =>
      `${what} objects under uploads/ only, the one prefix campaign files use: their keys are uploads/<random batch id>.csv, so no narrower resource can be named in advance.`;

    this.uploadUrl = new ProjectFunction(this, 'UploadUrl', {
      function: 'uploadUrl',
      description: 'Answers POST /campaigns/uploads with a pre-signed S3 PUT URL for a large campaign file',
      memorySize: 256,
      environment: environmentOf({
        uploadBucket: this.bucket.bucketName,
        uploadUrlSeconds: UPLOAD_URL_LIFETIME.toSeconds(),
        maxLargeUploadBytes: props.maxFileBytes,
      }),
      ...common,
    }).bindTable(table, 'read');
    // A pre-signed URL carries the signer's permissions: this role may put campaign files, nothing else.
    // Hand-written rather than grantPut/grantRead: those add object tagging, retention and legal holds
    // (put) or listing the bucket (read), none of which a campaign file needs.
    this.uploadUrl.fn.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:PutObject'], resources: [uploads] }),
    );
    Validations.of(this.uploadUrl.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.bucketLogicalId()}.Arn>/${UPLOAD_KEY_PREFIX}*]`,
      reason: uploadsReason('s3:PutObject (signing the upload URLs) on'),
    });

    this.ingestS3 = new ProjectFunction(this, 'IngestS3', {
      function: 'ingestS3',
      description: 'Reads a campaign file uploaded to S3, records its sends and enqueues them',
      // CPU-bound like the API ingest; memory buys CPU.
      memorySize: 1024,
      environment: environmentOf({ maxLargeUploadBytes: props.maxFileBytes }),
      ...common,
    })
      .bindTable(table, 'readWrite')
      .bindQueue(queue);
    this.ingestS3.fn.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:GetObject'], resources: [uploads] }),
    );
    Validations.of(this.ingestS3.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.bucketLogicalId()}.Arn>/${UPLOAD_KEY_PREFIX}*]`,
      reason: uploadsReason('s3:GetObject (reading the uploaded file) on'),
    });
    // S3 invokes asynchronously; a failed invocation is retried twice and resumes the file (upload-claims.ts).
    this.ingestS3.fn.configureAsyncInvoke({ retryAttempts: 2 });
    this.ingestS3.fn.addEventSource(
      new S3EventSourceV2(this.bucket, {
        events: [EventType.OBJECT_CREATED],
        filters: [{ prefix: UPLOAD_KEY_PREFIX, suffix: UPLOAD_KEY_SUFFIX }],
      }),
    );
    // The notification is configured by CDK's own stack-wide custom resource, whose role it creates
    // with the AWS managed basic execution policy; nothing of ours runs under it.
    for (const child of Stack.of(this).node.children) {
      const role = child.node.id.startsWith('BucketNotificationsHandler')
        ? child.node.tryFindChild('Role')
        : undefined;
      if (!role) continue;
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's BucketNotificationsHandler (it sets the upload bucket's notification to the ingest-s3 function at deploy time) comes with this role and the AWS managed AWSLambdaBasicExecutionRole policy; it runs only during deployments, and its only other permission is s3:PutBucketNotification.",
      });
    }
  }

  private bucketLogicalId(): string {
    return this.bucket.stack.getLogicalId(this.bucket.node.defaultChild as CfnBucket);
  }
}
