import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Api, DOCS_PATH, GRAPHQL_PATH } from './constructs/api.js';
import { DocsFunction } from './constructs/docs-function.js';
import { Functions } from './constructs/functions.js';
import { LargeUploads } from './constructs/large-uploads.js';
import { Observability } from './constructs/observability.js';
import { OperationsKey } from './constructs/operations-key.js';
import { Queueing } from './constructs/queueing.js';
import { SesEvents } from './constructs/ses-events.js';
import { Storage } from './constructs/storage.js';
import type { MailerSettings } from './mailer-config.js';

export interface MailerStackProps extends StackProps {
  readonly settings: MailerSettings;
}

export const stackName = (stage: string): string => `CampaignMailer-${stage}`;

/**
 * The whole pipeline: upload API → bucket → write queue → writer → table + send queue → sender → SES,
 * SES's events → EventBridge → events queue → events function, plus queries, the sweeper and alarms.
 */
export class MailerStack extends Stack {
  readonly operationsKey: OperationsKey;
  readonly storage: Storage;
  readonly queueing: Queueing;
  readonly sesEvents: SesEvents;
  readonly functions: Functions;
  readonly largeUploads: LargeUploads;
  readonly docs: DocsFunction;
  readonly api: Api;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: MailerStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const removalPolicy = settings.devStack ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.operationsKey = new OperationsKey(this, 'OperationsKey', { stage: settings.stage, removalPolicy });
    const logEncryptionKey = this.operationsKey.key;
    this.storage = new Storage(this, 'Storage', { removalPolicy, deletionProtection: !settings.devStack });
    this.queueing = new Queueing(this, 'Queueing', { stage: settings.stage });
    this.sesEvents = new SesEvents(this, 'SesEvents', {
      stage: settings.stage,
      ...(settings.sesConfigurationSet ? { existingConfigurationSet: settings.sesConfigurationSet } : {}),
      openAndClick: settings.sesOpenAndClickEvents,
      queue: this.queueing.eventsQueue,
    });
    this.largeUploads = new LargeUploads(this, 'LargeUploads', {
      table: this.storage.table,
      writeQueue: this.queueing.writeQueue,
      retentionDays: settings.retentionDays,
      corsOrigins: settings.corsOrigins,
      maxFileBytes: settings.maxLargeUploadBytes,
      removalPolicy,
      logEncryptionKey,
    });
    this.functions = new Functions(this, 'Functions', {
      table: this.storage.table,
      queue: this.queueing.queue,
      priorityQueue: this.queueing.priorityQueue,
      writeQueue: this.queueing.writeQueue,
      eventsQueue: this.queueing.eventsQueue,
      configurationSetName: this.sesEvents.configurationSetName,
      files: this.largeUploads,
      settings,
      removalPolicy,
      logEncryptionKey,
    });
    this.docs = new DocsFunction(this, 'Docs', { removalPolicy, logEncryptionKey });
    this.api = new Api(this, 'Api', {
      stage: settings.stage,
      uploadApi: this.functions.uploadApi.fn,
      campaigns: this.functions.campaigns.fn,
      graphql: this.functions.graphql.fn,
      health: this.functions.health.fn,
      uploadUrl: this.largeUploads.uploadUrl.fn,
      docs: this.docs.docs.fn,
      suppressions: this.functions.suppressions.fn,
      unsubscribe: this.functions.unsubscribe.fn,
      throttle: { rateLimit: settings.apiThrottleRate, burstLimit: settings.apiThrottleBurst },
      corsOrigins: settings.corsOrigins,
      removalPolicy,
      logEncryptionKey,
    });
    this.functions.pointUnsubscribeLinksAt(settings.publicApiUrl ?? this.api.url);
    this.observability = new Observability(this, 'Observability', {
      stage: settings.stage,
      settings,
      functions: this.functions,
      largeUploads: this.largeUploads,
      docs: this.docs.docs,
      queue: this.queueing.queue,
      deadLetterQueue: this.queueing.deadLetterQueue,
      priorityQueue: this.queueing.priorityQueue,
      priorityDeadLetterQueue: this.queueing.priorityDeadLetterQueue,
      writeQueue: this.queueing.writeQueue,
      writeDeadLetterQueue: this.queueing.writeDeadLetterQueue,
      eventsQueue: this.queueing.eventsQueue,
      eventsDeadLetterQueue: this.queueing.eventsDeadLetterQueue,
      httpApi: this.api.httpApi,
      operationsKey: this.operationsKey,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'GraphqlUrl', {
      value: `${this.api.url}${GRAPHQL_PATH}`,
      description: 'GraphQL endpoint',
    });
    new CfnOutput(this, 'DocsUrl', { value: `${this.api.url}${DOCS_PATH}`, description: 'Swagger UI' });
    new CfnOutput(this, 'DashboardUrl', {
      value: this.observability.dashboardUrl,
      description: 'CloudWatch dashboard of the pipeline',
    });
    new CfnOutput(this, 'UploadBucketName', {
      value: this.largeUploads.bucket.bucketName,
      description: 'Bucket of large campaign files (POST /campaigns/uploads hands out URLs into it)',
    });
    new CfnOutput(this, 'WriteQueueUrl', {
      value: this.queueing.writeQueue.queueUrl,
      description: "The writer's queue: S3 events of uploaded files and the writer's continuations",
    });
    new CfnOutput(this, 'WriteDeadLetterQueueUrl', {
      value: this.queueing.writeDeadLetterQueue.queueUrl,
      description:
        'Files the writer failed on 5 times; redrive after fixing the cause (the writer resumes them)',
    });
    new CfnOutput(this, 'SesConfigurationSet', {
      value: this.sesEvents.configurationSetName,
      description:
        'The SES configuration set every mail is sent with; it publishes their events to the pipeline',
    });
    new CfnOutput(this, 'EventsDeadLetterQueueUrl', {
      value: this.queueing.eventsDeadLetterQueue.queueUrl,
      description: 'SES events the events function failed on 5 times; redrive after fixing the cause',
    });
    new CfnOutput(this, 'TableName', { value: this.storage.table.tableName });
    new CfnOutput(this, 'QueueUrl', { value: this.queueing.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: this.queueing.deadLetterQueue.queueUrl,
      description: 'Sends that failed 3 receives; redrive after fixing the cause',
    });
    new CfnOutput(this, 'PriorityQueueUrl', { value: this.queueing.priorityQueue.queueUrl });
    new CfnOutput(this, 'PriorityDeadLetterQueueUrl', {
      value: this.queueing.priorityDeadLetterQueue.queueUrl,
      description: 'Sends of priority=high batches that failed 3 receives; redrive after fixing the cause',
    });
    new CfnOutput(this, 'PriorityDeadLetterQueueArn', {
      value: this.queueing.priorityDeadLetterQueue.queueArn,
      description: 'Source ARN for aws sqs start-message-move-task (redrive of high-priority sends)',
    });
    new CfnOutput(this, 'DeadLetterQueueArn', {
      value: this.queueing.deadLetterQueue.queueArn,
      description: 'Source ARN for aws sqs start-message-move-task (redrive)',
    });
  }
}
