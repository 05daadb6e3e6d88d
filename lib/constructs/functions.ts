import { Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  EVENTS_QUEUE,
  PRIORITY_SEND_QUEUE,
  SEND_QUEUE,
  WRITE_QUEUE,
} from '../../lambdas/contract/queue-settings.js';
import {
  checkSenderTiming,
  SEND_LEASE_SECONDS,
  SENDER_TIMEOUT_SECONDS,
} from '../../lambdas/contract/sender-timing.js';
import { environmentOf } from '../../lambdas/contract/setting-sources.js';
import { SETTINGS } from '../../lambdas/contract/settings.js';
import type { MailerSettings } from '../mailer-config.js';
import type { LargeUploads } from './large-uploads.js';
import { ProjectFunction } from './project-function.js';

/** Where the GraphQL function finds its schema: copied next to the handler at bundling time. */
export const GRAPHQL_SCHEMA_PATH = '/var/task/schema.graphql';

export const SWEEP_SCHEDULE = Schedule.rate(Duration.minutes(5));

export interface FunctionsProps {
  readonly table: ITable;
  readonly queue: IQueue;
  /** The sends of `priority=high` batches. */
  readonly priorityQueue: IQueue;
  /** S3's events of uploaded files and the writer's continuations. */
  readonly writeQueue: IQueue;
  /** SES's events, from EventBridge's rule, for the events function. */
  readonly eventsQueue: IQueue;
  /** The SES configuration set every mail is sent with (ses-events.ts). */
  readonly configurationSetName: string;
  /** The campaign files bucket: uploads/ and the rows/ the writer cuts. */
  readonly files: LargeUploads;
  readonly settings: MailerSettings;
  readonly removalPolicy: RemovalPolicy;
  readonly logEncryptionKey?: IKey;
}

/**
 * The Lambda functions and what triggers them, except HTTP (see Api). Each gets only what it uses:
 * the table (read or read/write), sending to a queue, objects under one prefix of the bucket, SES.
 * Messages that run out of receives stay on the dead-letter queues for an operator to redrive: the
 * sender itself marks a send ERROR "retries exhausted" on its last allowed receive, so no function
 * reads a dead-letter queue.
 */
export class Functions extends Construct {
  readonly uploadApi: ProjectFunction;
  readonly writer: ProjectFunction;
  readonly campaigns: ProjectFunction;
  readonly sender: ProjectFunction;
  readonly sweeper: ProjectFunction;
  readonly events: ProjectFunction;
  readonly graphql: ProjectFunction;
  readonly suppressions: ProjectFunction;
  readonly health: ProjectFunction;
  readonly unsubscribe: ProjectFunction;
  /** The key that signs each mail's unsubscribe link (the sender) and verifies it (unsubscribe). */
  readonly unsubscribeSecret: Secret;
  /** The schedules of scheduled batches. */
  readonly scheduleGroup: ScheduleGroup;

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const {
      table,
      queue,
      priorityQueue,
      writeQueue,
      eventsQueue,
      files,
      settings,
      removalPolicy,
      logEncryptionKey,
    } = props;
    const { configurationSetName } = props;
    checkSenderTiming(SENDER_TIMEOUT_SECONDS, SEND_LEASE_SECONDS, SEND_QUEUE.visibilityTimeoutSeconds);
    const common = { removalPolicy, ...(logEncryptionKey ? { logEncryptionKey } : {}) };

    const retention = environmentOf({ retentionDays: settings.retentionDays });

    // Scheduled batches (issue 15): one-time schedules in a group of this stack, whose target is the write
    // queue (the batch's start job), sent by a role only EventBridge Scheduler of this account assumes.
    const scheduleGroupName = `${Stack.of(this).stackName}-batches`;
    this.scheduleGroup = new ScheduleGroup(this, 'BatchSchedules', { scheduleGroupName, removalPolicy });
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: "Lets EventBridge Scheduler put a scheduled batch's start on the write queue",
    });
    writeQueue.grantSendMessages(schedulerRole);
    const bindSchedules = (fn: ProjectFunction) => {
      this.scheduleGroup.grantWriteSchedules(fn.fn);
      this.scheduleGroup.grantDeleteSchedules(fn.fn);
      schedulerRole.grantPassRole(fn.fn.grantPrincipal);
      fn.fn.addEnvironment(SETTINGS.scheduleGroup.env, this.scheduleGroup.scheduleGroupName);
      fn.fn.addEnvironment(SETTINGS.scheduleQueueArn.env, writeQueue.queueArn);
      fn.fn.addEnvironment(SETTINGS.scheduleRoleArn.env, schedulerRole.roleArn);
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${scheduleGroupName}/*]`,
        reason:
          "ScheduleGroup.grantWriteSchedules/grantDeleteSchedules: the schedules of this stack's one group, named per batch when it is scheduled, so not known at deploy time; no other group's.",
      });
    };

    this.uploadApi = new ProjectFunction(this, 'UploadApi', {
      function: 'uploadApi',
      description: 'Checks a CSV upload, stores it for the writer and answers with its report',
      // Parsing and de-duplicating a few MB of CSV is CPU-bound; memory buys CPU.
      memorySize: 1024,
      environment: retention,
      ...common,
    }).bindTable(table, 'readWrite');
    files.bindFiles(this.uploadApi, 'store-uploads');
    bindSchedules(this.uploadApi);

    this.writer = new ProjectFunction(this, 'Writer', {
      function: 'writer',
      description: "Writes an uploaded file's sends and queues them, a chunk at a time",
      // Reading CSV and writing DynamoDB batches: CPU- and network-bound; memory buys both.
      memorySize: 1024,
      environment: environmentOf({
        retentionDays: settings.retentionDays,
        maxLargeUploadBytes: settings.maxLargeUploadBytes,
      }),
      ...common,
    })
      .bindTable(table, 'readWrite')
      .bindQueue(queue)
      .bindQueue(priorityQueue, SETTINGS.priorityQueueUrl)
      // Its own continuations.
      .bindQueue(writeQueue, SETTINGS.writeQueueUrl);
    files.bindFiles(this.writer, 'write-rows');
    this.writer.fn.addEventSource(
      new SqsEventSource(writeQueue, {
        // One file per invocation: an invocation works on it for up to its timeout.
        batchSize: WRITE_QUEUE.batchSize,
        reportBatchItemFailures: true,
      }),
    );

    this.campaigns = new ProjectFunction(this, 'Campaigns', {
      function: 'campaigns',
      description: 'Where a batch is (GET /campaigns/{batchId}), and its pause, resume, cancel and schedule',
      memorySize: 256,
      environment: retention,
      ...common,
    })
      .bindTable(table, 'readWrite')
      // The release and cancel jobs of a resumed or cancelled batch.
      .bindQueue(writeQueue, SETTINGS.writeQueueUrl);
    bindSchedules(this.campaigns);

    // The key of the unsubscribe links, generated by Secrets Manager at the first deploy and kept across
    // deploys. Unlike the cursor key below, the functions read it at run time (once per container,
    // UNSUBSCRIBE_SECRET_ARN), as a secret should be: its value is in no function's configuration.
    this.unsubscribeSecret = new Secret(this, 'UnsubscribeSecret', {
      description:
        'Signs the one-click unsubscribe link of every campaign mail (an HMAC key); replacing it breaks the links of every mail already sent',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    Validations.of(this.unsubscribeSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The HMAC key of the unsubscribe links in mails already delivered, which must keep working for as long as their sends are kept (RETENTION_DAYS): rotating it would break the link in every mail already sent, which the law and Gmail/Yahoo require to work. Replace it by hand (put-secret-value, then new containers) only if it leaks.',
    });

    this.sender = new ProjectFunction(this, 'Sender', {
      function: 'sender',
      description: 'Sends queued mails through SES and records their status',
      memorySize: 256,
      environment: environmentOf({
        senderEmail: settings.senderEmail,
        sendLeaseSeconds: SEND_LEASE_SECONDS,
        // On the receive that is the queue's last, the sender gives the send up as ERROR "retries
        // exhausted" instead of leaving the message to move to the DLQ with its send unfinished.
        maxReceiveCount: SEND_QUEUE.maxReceiveCount,
        // The send rate (SES GetAccount's, or maxSendRate) is shared among this many senders.
        senderMaxConcurrency: settings.senderMaxConcurrency,
        // A retried message is kept invisible 30 s × 2^(receives − 1), at most the visibility timeout.
        retryBackoffMaxSeconds: SEND_QUEUE.visibilityTimeoutSeconds,
        // Set only when on, so that a template without it reads as the default: off.
        dryRun: settings.dryRun ? true : undefined,
        maxSendRate: settings.maxSendRate,
        replyToAddress: settings.replyToAddress,
        // The stack's configuration set, or the existing one context names: its events reach the sends.
        sesConfigurationSet: configurationSetName,
        retentionDays: settings.retentionDays,
        unsubscribeMailbox: settings.unsubscribeMailbox,
        unsubscribeSecretArn: this.unsubscribeSecret.secretArn,
      }),
      ...common,
    })
      .bindTable(table, 'readWrite')
      // Sending too: a message the sender has no time left to pace before its timeout goes back on the
      // queue as a fresh message, so that the deferral does not count as one of its receives.
      .bindQueue(queue)
      .bindQueue(priorityQueue, SETTINGS.priorityQueueUrl);
    files.bindFiles(this.sender, 'read-rows');
    this.unsubscribeSecret.grantRead(this.sender.fn);
    // Two lanes of the send rate (lambdas/sender/priority-lanes.ts), each queue with as many senders at
    // most: each sender paces at its lane's share of the rate divided by that many.
    const lanes = [
      // Smaller than SEND_QUEUE.batchSize when maxSendRate is too low to pace a full batch in time.
      { source: queue, batchSize: settings.senderBatchSize },
      { source: priorityQueue, batchSize: Math.min(PRIORITY_SEND_QUEUE.batchSize, settings.senderBatchSize) },
    ];
    for (const { source, batchSize } of lanes) {
      this.sender.fn.addEventSource(
        new SqsEventSource(source, {
          batchSize,
          reportBatchItemFailures: true,
          maxConcurrency: settings.senderMaxConcurrency,
        }),
      );
    }
    // The SES identity is verified outside this stack, so there is no construct to call a grant
    // method on; this statement is the narrowest equivalent: one action, on the named identities
    // (and configuration set, which SES also authorises a send against) only.
    const stack = Stack.of(this);
    this.sender.fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['ses:SendEmail'],
        resources: [
          ...settings.sesIdentities.map((identity) =>
            stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
          ),
          stack.formatArn({
            service: 'ses',
            resource: 'configuration-set',
            resourceName: configurationSetName,
          }),
        ],
      }),
    );

    // The account's send quota, read once per container to pace the sends. GetAccount is an
    // account-level action: IAM offers no resource to name for it, so the statement needs "*".
    this.sender.fn.addToRolePolicy(new PolicyStatement({ actions: ['ses:GetAccount'], resources: ['*'] }));
    const senderPolicy = this.sender.role.node.tryFindChild('DefaultPolicy');
    if (senderPolicy) {
      Validations.of(senderPolicy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ses:GetAccount (read the account send quota that paces the sender) supports no resource-level permissions, so AWS requires Resource "*"; it only reads the quota. The other "*" statement of this role is X-Ray tracing.',
      });
    }

    this.sweeper = new ProjectFunction(this, 'Sweeper', {
      function: 'sweeper',
      description: 'Restarts stopped writers, finishes and reconciles batches, re-enqueues lost sends',
      memorySize: 512,
      environment: retention,
      ...common,
    })
      .bindTable(table, 'readWrite')
      .bindQueue(queue)
      .bindQueue(priorityQueue, SETTINGS.priorityQueueUrl)
      .bindQueue(writeQueue, SETTINGS.writeQueueUrl);
    // The next scheduled run repeats the work anyway; an async retry would only overlap with it.
    this.sweeper.fn.configureAsyncInvoke({ retryAttempts: 0 });
    new Rule(this, 'SweepSchedule', {
      description: 'Runs the sweeper of stopped writers, unfinished batches and lost sends',
      schedule: SWEEP_SCHEDULE,
      targets: [new LambdaFunction(this.sweeper.fn)],
    });

    this.events = new ProjectFunction(this, 'Events', {
      function: 'events',
      description:
        "Records SES's events on the sends, suppresses hard bounces and complaints, pauses batches past their limits",
      memorySize: 256,
      environment: {
        ...retention,
        ...environmentOf({
          maxBounceRatePercent: settings.maxBounceRatePercent,
          maxComplaintRatePercent: settings.maxComplaintRatePercent,
        }),
      },
      ...common,
    }).bindTable(table, 'readWrite');
    this.events.fn.addEventSource(
      new SqsEventSource(eventsQueue, {
        batchSize: EVENTS_QUEUE.batchSize,
        // Fuller batches at a low send rate: fewer invocations and counter writes (queue-settings.ts).
        maxBatchingWindow: Duration.seconds(EVENTS_QUEUE.maxBatchingWindowSeconds),
        // A malformed event fails alone, and reaches the events DLQ after the queue's receives.
        reportBatchItemFailures: true,
      }),
    );

    // The key that signs GraphQL page cursors, generated by Secrets Manager at the first deploy and kept
    // across deploys. Passed as an environment variable (encrypted at rest; readable only by principals
    // allowed lambda:GetFunctionConfiguration) instead of read at run time, which would add the Secrets
    // Manager client to the bundle and a call to every cold start.
    const cursorSecret = new Secret(this, 'CursorSecret', {
      description:
        'Signs page cursors of GraphQL and GET /suppressions (any value of 32+ characters; changing it invalidates open cursors)',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    Validations.of(cursorSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'An HMAC key for short-lived pagination cursors; rotating it would only invalidate the cursors of walks in progress. Replace it by hand (put-secret-value and redeploy) if it leaks.',
    });

    this.graphql = new ProjectFunction(this, 'Graphql', {
      function: 'graphql',
      description: 'Answers GraphQL queries over sends and batches (read-only)',
      memorySize: 512,
      environment: environmentOf({
        graphqlSchemaPath: GRAPHQL_SCHEMA_PATH,
        // Always passed: off on AWS unless `-c graphqlIntrospection=true` (the function's own default,
        // on, is for local mode); the schema is in the repository for analysts.
        graphqlIntrospection: settings.graphqlIntrospection,
        // Resolved by CloudFormation at deploy time from the secret below: the value never appears in
        // the template or the repository. See the secret's comment for why it is not read at run time.
        cursorSecret: cursorSecret.secretValue.unsafeUnwrap(),
      }),
      bundledFiles: [{ from: 'graphql/schema.graphql', to: 'schema.graphql' }],
      ...common,
    }).bindTable(table, 'read');
    files.bindFiles(this.graphql, 'read-rows');

    // The suppression list: read, added to, removed from; its cursors are signed as GraphQL's are.
    this.suppressions = new ProjectFunction(this, 'Suppressions', {
      function: 'suppressions',
      description: 'Manages the suppression list: look up, page, add, remove, import',
      // An import reads a CSV of up to a few MB and looks up and writes its addresses.
      memorySize: 512,
      environment: environmentOf({ cursorSecret: cursorSecret.secretValue.unsafeUnwrap() }),
      ...common,
    }).bindTable(table, 'readWrite');

    // Reads the send of a link and writes its unsubscribe: the suppression entry, the send's note, the
    // batch's count.
    this.unsubscribe = new ProjectFunction(this, 'Unsubscribe', {
      function: 'unsubscribe',
      description: 'One-click unsubscribe: GET shows a page, POST puts the address on the suppression list',
      memorySize: 256,
      environment: environmentOf({
        retentionDays: settings.retentionDays,
        unsubscribeSecretArn: this.unsubscribeSecret.secretArn,
      }),
      ...common,
    }).bindTable(table, 'readWrite');
    this.unsubscribeSecret.grantRead(this.unsubscribe.fn);

    // Bound to nothing: it proves the API and Lambda serve, and can reach no data.
    this.health = new ProjectFunction(this, 'Health', {
      function: 'health',
      description: 'Answers GET /health with {"status":"ok"}',
      memorySize: 128,
      ...common,
    });
  }

  /**
   * Where the sender's unsubscribe links point: the API's public base URL, known once the API exists
   * (its endpoint, or the custom domain of `publicApiUrl`).
   */
  pointUnsubscribeLinksAt(baseUrl: string): void {
    this.sender.fn.addEnvironment(SETTINGS.unsubscribeBaseUrl.env, baseUrl);
  }
}
