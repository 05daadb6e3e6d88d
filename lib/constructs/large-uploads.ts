import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  EventType,
  HttpMethods,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { environmentOf } from '../../lambdas/contract/setting-sources.js';
import { SETTINGS } from '../../lambdas/contract/settings.js';
import {
  DRY_RUN_HEADER,
  FILE_NAME_HEADER,
  ROWS_KEY_PREFIX,
  UPLOAD_KEY_PREFIX,
  UPLOAD_KEY_SUFFIX,
} from '../../lambdas/contract/upload-object.js';
import { ProjectFunction } from './project-function.js';

/** Uploaded files are kept this long (for a look when a report surprises), then deleted by S3. */
export const UPLOAD_RETENTION = Duration.days(7);
/** Lifetime of a pre-signed upload URL. */
export const UPLOAD_URL_LIFETIME = Duration.minutes(15);

/** What a function does with the bucket's objects, by prefix: each is a narrow grant of its own. */
export type FileAccess =
  /** The upload API: stores the file it answered for, and looks whether an earlier batch's is still there. */
  | 'store-uploads'
  /** The writer: reads uploaded files and writes the rows it cut from them. */
  | 'write-rows'
  /** The sender and GraphQL: read the rows of a send. */
  | 'read-rows';

const FILE_ACCESS: Record<FileAccess, { prefix: string; actions: string[]; why: string }[]> = {
  'store-uploads': [
    {
      prefix: UPLOAD_KEY_PREFIX,
      actions: ['s3:PutObject', 's3:GetObject'],
      why: "s3:PutObject (storing the uploaded file) and s3:GetObject (HeadObject: is an earlier batch's file still there) on",
    },
  ],
  'write-rows': [
    {
      prefix: UPLOAD_KEY_PREFIX,
      actions: ['s3:GetObject'],
      why: 's3:GetObject (reading the uploaded file) on',
    },
    {
      prefix: ROWS_KEY_PREFIX,
      actions: ['s3:PutObject'],
      why: 's3:PutObject (the rows of each chunk, rows/<batch id>/<chunk>.json) on',
    },
  ],
  'read-rows': [
    {
      prefix: ROWS_KEY_PREFIX,
      actions: ['s3:GetObject'],
      why: "s3:GetObject (a send's subject, content and personalisation, rows/<batch id>/<chunk>.json) on",
    },
  ],
};

export interface LargeUploadsProps {
  readonly table: ITable;
  /** Where S3 announces each uploaded file, for the writer. */
  readonly writeQueue: IQueue;
  /** How long the rows of a campaign are kept (RETENTION_DAYS), as long as its sends. */
  readonly retentionDays: number;
  /** Browser origins allowed to PUT to the upload URLs; none: no CORS on the bucket. */
  readonly corsOrigins: readonly string[];
  /** The largest campaign file, signed into each upload URL and checked again by the ingest. */
  readonly maxFileBytes: number;
  readonly removalPolicy: RemovalPolicy;
  readonly logEncryptionKey?: IKey;
}

/**
 * The campaign files: a private bucket that holds every uploaded file (`uploads/<batchId>.csv`, stored
 * by the upload API or PUT through a pre-signed URL) and the rows the writer cuts from it
 * (`rows/<batchId>/<chunk>.json`); the function behind POST /campaigns/uploads that hands out those URLs;
 * and the notification that puts each uploaded file on the write queue. (Named for the large-file path
 * it began as: renaming it would replace the bucket.)
 */
export class LargeUploads extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;
  readonly uploadUrl: ProjectFunction;

  constructor(scope: Construct, id: string, props: LargeUploadsProps) {
    super(scope, id);
    const { table, removalPolicy, logEncryptionKey } = props;
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
        // The sender mails from them and GraphQL shows them for as long as the sends are kept.
        { prefix: ROWS_KEY_PREFIX, expiration: Duration.days(props.retentionDays) },
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
    this.uploadUrl = new ProjectFunction(this, 'UploadUrl', {
      function: 'uploadUrl',
      description: 'Answers POST /campaigns/uploads with a pre-signed S3 PUT URL for a large campaign file',
      memorySize: 256,
      environment: environmentOf({
        uploadUrlSeconds: UPLOAD_URL_LIFETIME.toSeconds(),
        maxLargeUploadBytes: props.maxFileBytes,
        retentionDays: props.retentionDays,
      }),
      ...common,
      // Writes the file's writer state (expected by the URL's expiry) before it gives the URL out.
    }).bindTable(table, 'readWrite');
    // A pre-signed URL carries the signer's permissions: this role may put campaign files, nothing else.
    this.grantObjects(this.uploadUrl, [
      {
        prefix: UPLOAD_KEY_PREFIX,
        actions: ['s3:PutObject'],
        why: 's3:PutObject (signing the upload URLs) on',
      },
    ]);

    // SQS rather than invoking a function: a burst of uploads waits on the queue instead of being
    // throttled, and a file the writer fails on is retried, then kept on the DLQ, never dropped.
    this.bucket.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(props.writeQueue), {
      prefix: UPLOAD_KEY_PREFIX,
      suffix: UPLOAD_KEY_SUFFIX,
    });
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
          "CDK's BucketNotificationsHandler (it sets the upload bucket's notification to the write queue at deploy time) comes with this role and the AWS managed AWSLambdaBasicExecutionRole policy; it runs only during deployments, and its only other permission is s3:PutBucketNotification.",
      });
    }
  }

  /**
   * Lets a function do what `access` says with the bucket's objects, and tells it the bucket. Statements
   * of our own rather than grantPut/grantRead: those add object tagging, retention and legal holds (put)
   * or listing the bucket (read), none of which a campaign file needs, and reach every prefix.
   */
  bindFiles(target: ProjectFunction, access: FileAccess): void {
    this.grantObjects(target, FILE_ACCESS[access]);
  }

  private grantObjects(
    target: ProjectFunction,
    grants: readonly { prefix: string; actions: string[]; why: string }[],
  ): void {
    target.fn.addEnvironment(SETTINGS.uploadBucket.env, this.bucket.bucketName);
    for (const grant of grants) {
      target.fn.addToRolePolicy(
        new PolicyStatement({
          actions: grant.actions,
          resources: [this.bucket.arnForObjects(`${grant.prefix}*`)],
        }),
      );
      Validations.of(target.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${this.bucketLogicalId()}.Arn>/${grant.prefix}*]`,
        reason: `${grant.why} objects under ${grant.prefix} only: their keys hold a random batch id, so no narrower resource can be named in advance.`,
      });
    }
  }

  private bucketLogicalId(): string {
    return this.bucket.stack.getLogicalId(this.bucket.node.defaultChild as CfnBucket);
  }
}
