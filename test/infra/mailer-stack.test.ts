import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, type ApiFunction, routeKeyOf } from '../../lambdas/contract/api-routes.js';
import { DOCS_FILES } from '../../lambdas/contract/docs-files.js';
import { entryOf, FUNCTIONS, type FunctionId } from '../../lambdas/contract/functions.js';
import { METRICS_NAMESPACE } from '../../lambdas/contract/metric-names.js';
import {
  EVENTS_QUEUE,
  PRIORITY_SEND_QUEUE,
  SEND_QUEUE,
  WRITE_QUEUE,
} from '../../lambdas/contract/queue-settings.js';
import {
  checkSenderTiming,
  SENDER_TIMEOUT_SECONDS,
  SenderTimingError,
} from '../../lambdas/contract/sender-timing.js';
import { createTableInput } from '../../lambdas/core/store/table-provisioning.js';
import { LAMBDA_RUNTIME, TABLE_ACTIONS } from '../../lib/constructs/project-function.js';
import { MailerConfigError } from '../../lib/mailer-config.js';
import { repoPath } from '../../lib/repo-paths.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import {
  actionsOfFunction,
  resourceNamed,
  statementsOfFunction,
  synthStack,
} from '../helpers/synth-stack.js';

let template: Template;
beforeAll(() => {
  template = synthStack().template;
});

const HANDLERS = [
  'UploadApi',
  'Writer',
  'Campaigns',
  'Sender',
  'Sweeper',
  'Events',
  'Graphql',
  'Suppressions',
  'Health',
  'UploadUrl',
  'Docs',
  'Unsubscribe',
] as const;
/** The construct each function is defined in: the prefix of its log group's logical id. */
const CONSTRUCT_OF: Record<(typeof HANDLERS)[number], string> = {
  UploadApi: 'Functions',
  Writer: 'Functions',
  Campaigns: 'Functions',
  Sender: 'Functions',
  Sweeper: 'Functions',
  Events: 'Functions',
  Graphql: 'Functions',
  Suppressions: 'Functions',
  Health: 'Functions',
  UploadUrl: 'LargeUploads',
  // CDK drops the repeated id of Docs/Docs from the logical id.
  Docs: '',
  Unsubscribe: 'Functions',
};
const SERVICE_OF: Record<(typeof HANDLERS)[number], string> = {
  UploadApi: FUNCTIONS.uploadApi.serviceName,
  Writer: FUNCTIONS.writer.serviceName,
  Campaigns: FUNCTIONS.campaigns.serviceName,
  Sender: FUNCTIONS.sender.serviceName,
  Sweeper: FUNCTIONS.sweeper.serviceName,
  Events: FUNCTIONS.events.serviceName,
  Graphql: FUNCTIONS.graphql.serviceName,
  Suppressions: FUNCTIONS.suppressions.serviceName,
  Health: FUNCTIONS.health.serviceName,
  UploadUrl: FUNCTIONS.uploadUrl.serviceName,
  Docs: FUNCTIONS.docs.serviceName,
  Unsubscribe: FUNCTIONS.unsubscribe.serviceName,
};
const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents'];
const XRAY = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
const READ = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const WRITE = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];
const SEND_TO_QUEUE = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'];
/** The unsubscribe key's secret, read once per container (Secret.grantRead). */
const READ_SECRET = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'];
const CONSUME_QUEUE = [
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueUrl',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
];

const logicalIdOf = (type: string, idPart: string) => resourceNamed(template, type, idPart).id;
const envOf = (name: string) =>
  (
    resourceNamed(template, 'AWS::Lambda::Function', `${name}Function`).properties.Environment as {
      Variables: Record<string, unknown>;
    }
  ).Variables;

describe('the EmailSends table', () => {
  it('has exactly the keys and indexes the local runner creates, both built from one definition', () => {
    const local = createTableInput('EmailSends');
    const { properties } = resourceNamed(template, 'AWS::DynamoDB::Table', 'EmailSendsV2');
    expect(properties.KeySchema).toEqual(local.KeySchema);
    const byName = (a: { AttributeName?: string }, b: { AttributeName?: string }) =>
      String(a.AttributeName).localeCompare(String(b.AttributeName));
    expect([...(properties.AttributeDefinitions as { AttributeName: string }[])].sort(byName)).toEqual(
      [...local.AttributeDefinitions].sort(byName),
    );
    expect(properties.GlobalSecondaryIndexes).toEqual(local.GlobalSecondaryIndexes);
  });

  it('is on demand, encrypted, recoverable to a point in time, and expires items by TTL', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      SSESpecification: { SSEEnabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('is kept when the stack is deleted and refuses deletion, unless the stack is a dev stack', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ DeletionProtectionEnabled: true }),
    });
    const dev = synthStack({ devStack: 'true' }).template;
    dev.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
    // A dev stack is still recoverable: only its lifetime differs.
    dev.hasResourceProperties('AWS::DynamoDB::Table', {
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
  });
});

describe('the send, write and events queues and their dead-letter queues', () => {
  let aws: TestAws;
  beforeAll(async () => {
    aws = await startTestAws();
  });
  afterAll(() => aws.stop());

  const PAIRS = [
    { queue: 'QueueingSendQueue', deadLetters: 'QueueingDeadLetterQueue', settings: SEND_QUEUE, receives: 3 },
    {
      queue: 'PrioritySendQueue',
      deadLetters: 'PriorityDeadLetterQueue',
      settings: PRIORITY_SEND_QUEUE,
      receives: 3,
    },
    { queue: 'WriteQueue', deadLetters: 'WriteDeadLetterQueue', settings: WRITE_QUEUE, receives: 5 },
    { queue: 'EventsQueue', deadLetters: 'EventsDeadLetterQueue', settings: EVENTS_QUEUE, receives: 5 },
  ] as const;

  it('dead-letter after the same number of receives and keep messages as long as the local queues', async () => {
    const localUrls = {
      QueueingSendQueue: [aws.queues.queueUrl, aws.queues.deadLetterQueueUrl],
      PrioritySendQueue: [aws.queues.priorityQueueUrl, aws.queues.priorityDeadLetterQueueUrl],
      WriteQueue: [aws.queues.writeQueueUrl, aws.queues.writeDeadLetterQueueUrl],
      EventsQueue: [aws.queues.eventsQueueUrl, aws.queues.eventsDeadLetterQueueUrl],
    } as const;
    for (const pair of PAIRS) {
      const queue = resourceNamed(template, 'AWS::SQS::Queue', pair.queue).properties;
      const deadLetters = resourceNamed(template, 'AWS::SQS::Queue', pair.deadLetters).properties;
      const [queueUrl, deadLetterUrl] = localUrls[pair.queue];
      const local = await aws.clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
      );
      const localDeadLetters = await aws.clients.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['All'] }),
      );
      const localRedrive = JSON.parse(local.Attributes?.RedrivePolicy ?? '{}') as {
        maxReceiveCount: unknown;
      };

      expect(Number(localRedrive.maxReceiveCount)).toBe(pair.receives);
      expect(queue.RedrivePolicy).toMatchObject({ maxReceiveCount: Number(localRedrive.maxReceiveCount) });
      expect(queue.MessageRetentionPeriod).toBe(Number(local.Attributes?.MessageRetentionPeriod));
      expect(queue.VisibilityTimeout).toBe(Number(local.Attributes?.VisibilityTimeout));
      expect(queue.VisibilityTimeout).toBe(pair.settings.visibilityTimeoutSeconds);
      expect(deadLetters.MessageRetentionPeriod).toBe(
        Number(localDeadLetters.Attributes?.MessageRetentionPeriod),
      );
    }
  });

  it('keep a waiting send or file 14 days, the longest SQS allows: a long backlog is never lost to retention', () => {
    for (const pair of PAIRS) {
      expect(resourceNamed(template, 'AWS::SQS::Queue', pair.queue).properties.MessageRetentionPeriod).toBe(
        14 * 24 * 3600,
      );
    }
  });

  it('hide a file being written for six writer timeouts, as Lambda asks of an SQS source', () => {
    expect(WRITE_QUEUE.visibilityTimeoutSeconds).toBe(6 * FUNCTIONS.writer.timeoutSeconds);
  });

  it('hide an SES event being recorded for six events function timeouts', () => {
    expect(EVENTS_QUEUE.visibilityTimeoutSeconds).toBe(6 * FUNCTIONS.events.timeoutSeconds);
  });

  it('keep dead-lettered messages for 14 days, the longest SQS allows, for an operator to redrive', () => {
    for (const pair of PAIRS) {
      const deadLetters = resourceNamed(template, 'AWS::SQS::Queue', pair.deadLetters).properties;
      expect(deadLetters.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    }
  });

  it('are encrypted at rest and refuse requests that are not over TLS', () => {
    const names = PAIRS.flatMap((pair) => [pair.queue, pair.deadLetters]);
    for (const name of names) {
      expect(resourceNamed(template, 'AWS::SQS::Queue', name).properties.SqsManagedSseEnabled).toBe(true);
    }
    const policies = template.findResources('AWS::SQS::QueuePolicy') as Record<
      string,
      { Properties: { Queues: { Ref: string }[]; PolicyDocument: { Statement: unknown[] } } }
    >;
    const guarded = Object.values(policies).map((policy) => {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
      return policy.Properties.Queues.map((queue) => queue.Ref);
    });
    expect(guarded.flat().sort()).toEqual(names.map((name) => logicalIdOf('AWS::SQS::Queue', name)).sort());
  });

  it('hide a received message for at least six sender timeouts', () => {
    expect(SEND_QUEUE.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * SENDER_TIMEOUT_SECONDS);
    expect(() => checkSenderTiming(60, 90, 180)).toThrow(SenderTimingError);
    expect(() => checkSenderTiming(30, 20, 180)).toThrow(/lease/);
  });
});

describe('the functions', () => {
  it('are exactly upload-api, writer, campaigns, sender, sweeper, graphql, suppressions, health, upload-url, docs and unsubscribe', () => {
    // Besides CDK's own handler that sets the upload bucket's notification at deploy time.
    const ours = Object.keys(template.findResources('AWS::Lambda::Function')).filter(
      (id) => !id.startsWith('BucketNotificationsHandler'),
    );
    expect(ours).toHaveLength(HANDLERS.length);
    for (const name of HANDLERS) resourceNamed(template, 'AWS::Lambda::Function', `${name}Function`);
  });

  it('run Node.js 24 on arm64, bundled as ES modules, with bounded memory and timeout, traced', () => {
    expect(LAMBDA_RUNTIME.name).toBe('nodejs24.x');
    for (const name of HANDLERS) {
      const { properties } = resourceNamed(template, 'AWS::Lambda::Function', `${name}Function`);
      expect(properties).toMatchObject({
        Runtime: LAMBDA_RUNTIME.name,
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
      });
      expect(properties.MemorySize).toBeLessThanOrEqual(1769);
      // Only the writer, which hands a file over to a continuation before its time is up, takes Lambda's maximum.
      expect(properties.Timeout).toBeLessThanOrEqual(name === 'Writer' ? 900 : 300);
    }
  });

  it('log to their own log group, kept a month and encrypted with the stack key', () => {
    const key = logicalIdOf('AWS::KMS::Key', 'OperationsKey');
    for (const name of HANDLERS) {
      const { properties } = resourceNamed(template, 'AWS::Lambda::Function', `${name}Function`);
      const group = (properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(group).toBe(logicalIdOf('AWS::Logs::LogGroup', `${CONSTRUCT_OF[name]}${name}Logs`));
      expect(template.toJSON().Resources[group].Properties).toEqual({
        RetentionInDays: 30,
        KmsKeyId: { 'Fn::GetAtt': [key, 'Arn'] },
      });
    }
  });

  it('name their service and metrics namespace for Powertools', () => {
    for (const name of HANDLERS) {
      const service = SERVICE_OF[name];
      expect(envOf(name)).toMatchObject({
        POWERTOOLS_SERVICE_NAME: service,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      });
    }
    expect(new Set(Object.values(SERVICE_OF)).size).toBe(HANDLERS.length);
  });

  it('tell the sender after how many receives a message leaves the queue', () => {
    expect(envOf('Sender')).toMatchObject({
      MAX_RECEIVE_COUNT: String(SEND_QUEUE.maxReceiveCount),
      SENDER_EMAIL: 'campaigns@example.com',
    });
  });

  it('tell the sender and the unsubscribe function the unsubscribe key by its secret, never its value, and the sender where its links point', () => {
    const secret = logicalIdOf('AWS::SecretsManager::Secret', 'UnsubscribeSecret');
    for (const name of ['Sender', 'Unsubscribe']) {
      expect([name, envOf(name).UNSUBSCRIBE_SECRET_ARN]).toEqual([name, { Ref: secret }]);
      expect([name, envOf(name).UNSUBSCRIBE_SECRET]).toEqual([name, undefined]);
    }
    // The HTTP API's own endpoint, unless publicApiUrl names the custom domain in front of it.
    expect(JSON.stringify(envOf('Sender').UNSUBSCRIBE_BASE_URL)).toContain(
      logicalIdOf('AWS::ApiGatewayV2::Api', 'HttpApi'),
    );
    const custom = synthStack({
      publicApiUrl: 'https://mail.example.com',
      unsubscribeMailbox: 'leave@example.com',
    });
    const senderEnv = (
      resourceNamed(custom.template, 'AWS::Lambda::Function', 'SenderFunction').properties.Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(senderEnv).toMatchObject({
      UNSUBSCRIBE_BASE_URL: 'https://mail.example.com',
      UNSUBSCRIBE_MAILBOX: 'leave@example.com',
    });
    expect(() => synthStack({ publicApiUrl: 'mail.example.com' })).toThrow(
      /publicApiUrl must be an absolute http or https URL/,
    );
  });

  it('keep the health function free of configuration: it reads nothing', () => {
    expect(Object.keys(envOf('Health')).sort()).toEqual(
      ['NODE_OPTIONS', 'POWERTOOLS_METRICS_NAMESPACE', 'POWERTOOLS_SERVICE_NAME'].sort(),
    );
  });

  it('trigger the writer from the write queue, one file at a time, with partial batch failures', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 4);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf('AWS::Lambda::Function', 'WriterFunction') },
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf('AWS::SQS::Queue', 'WriteQueue'), 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('trigger the sender from the send queue 10 messages at a time and from the high-priority one 1 at a time, with partial batch failures and capped concurrency', () => {
    for (const [queue, batchSize] of [
      ['QueueingSendQueue', 10],
      ['PrioritySendQueue', 1],
    ] as const) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalIdOf('AWS::Lambda::Function', 'SenderFunction') },
        EventSourceArn: { 'Fn::GetAtt': [logicalIdOf('AWS::SQS::Queue', queue), 'Arn'] },
        BatchSize: batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      });
    }
  });

  it('trigger the events function from the events queue, up to 100 events gathered for 5 s, with partial batch failures', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf('AWS::Lambda::Function', 'EventsFunction') },
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf('AWS::SQS::Queue', 'EventsQueue'), 'Arn'] },
      BatchSize: 100,
      MaximumBatchingWindowInSeconds: 5,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect([EVENTS_QUEUE.batchSize, EVENTS_QUEUE.maxBatchingWindowSeconds]).toEqual([100, 5]);
  });

  it('leave the dead-letter queues alone: their messages wait there for a redrive', () => {
    const mappings = Object.values(
      template.findResources('AWS::Lambda::EventSourceMapping') as Record<
        string,
        { Properties: { EventSourceArn: { 'Fn::GetAtt': [string, string] } } }
      >,
    );
    for (const name of [
      'QueueingDeadLetterQueue',
      'PriorityDeadLetterQueue',
      'WriteDeadLetterQueue',
      'EventsDeadLetterQueue',
    ]) {
      const deadLetterQueue = logicalIdOf('AWS::SQS::Queue', name);
      expect(mappings.map((m) => m.Properties.EventSourceArn['Fn::GetAtt'][0])).not.toContain(
        deadLetterQueue,
      );
      for (const handler of HANDLERS) {
        for (const statement of statementsOfFunction(template, `${handler}Function`)) {
          expect(JSON.stringify(statement.Resource)).not.toContain(deadLetterQueue);
        }
      }
    }
  });

  it('run the sweeper every five minutes', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalIdOf('AWS::Lambda::Function', 'SweeperFunction'), 'Arn'] },
        }),
      ],
    });
  });
});

/** A scheduled batch's one-time schedule: created, moved, deleted, with the role Scheduler assumes. */
const SCHEDULE = [
  'scheduler:CreateSchedule',
  'scheduler:UpdateSchedule',
  'scheduler:DeleteSchedule',
  'iam:PassRole',
];

describe('the permissions of each function', () => {
  const sorted = (actions: string[]) => [...new Set(actions)].sort();

  it('give each function exactly the actions it uses', () => {
    const expected: Record<(typeof HANDLERS)[number], string[]> = {
      // No queue: the file it stores reaches the writer through the bucket's notification.
      UploadApi: [...LOGS, ...XRAY, ...READ, ...WRITE, 's3:PutObject', 's3:GetObject', ...SCHEDULE],
      Writer: [
        ...LOGS,
        ...XRAY,
        ...READ,
        ...WRITE,
        ...CONSUME_QUEUE,
        ...SEND_TO_QUEUE,
        's3:GetObject',
        's3:PutObject',
      ],
      // Control: the batch's state, its release and cancel jobs on the write queue, its schedule.
      Campaigns: [...LOGS, ...XRAY, ...READ, ...WRITE, ...SEND_TO_QUEUE, ...SCHEDULE],
      // Sending too: messages it has no time left to pace go back on the queue as fresh messages.
      Sender: [
        ...LOGS,
        ...XRAY,
        ...READ,
        ...WRITE,
        ...CONSUME_QUEUE,
        ...SEND_TO_QUEUE,
        'ses:SendEmail',
        'ses:GetAccount',
        's3:GetObject',
        ...READ_SECRET,
      ],
      Sweeper: [...LOGS, ...XRAY, ...READ, ...WRITE, ...SEND_TO_QUEUE],
      Events: [...LOGS, ...XRAY, ...READ, ...WRITE, ...CONSUME_QUEUE],
      Graphql: [...LOGS, ...XRAY, ...READ, 's3:GetObject'],
      Suppressions: [...LOGS, ...XRAY, ...READ, ...WRITE],
      Health: [...LOGS, ...XRAY],
      UploadUrl: [...LOGS, ...XRAY, ...READ, ...WRITE, 's3:PutObject'],
      Docs: [...LOGS, ...XRAY],
      // Reads the send of a link; writes the suppression entry, the send's note and the batch's count.
      Unsubscribe: [...LOGS, ...XRAY, ...READ, ...WRITE, ...READ_SECRET],
    };
    for (const name of HANDLERS) {
      expect([name, sorted(actionsOfFunction(template, `${name}Function`))]).toEqual([
        name,
        sorted(expected[name]),
      ]);
    }
  });

  it('give no function a Scan of the table, only keyed reads through the table and its indexes', () => {
    const table = logicalIdOf('AWS::DynamoDB::Table', 'EmailSendsV2');
    for (const name of HANDLERS) {
      expect(actionsOfFunction(template, `${name}Function`)).not.toContain('dynamodb:Scan');
      for (const statement of statementsOfFunction(template, `${name}Function`)) {
        const actions = [statement.Action].flat();
        if (!actions.some((a) => a.startsWith('dynamodb:'))) continue;
        expect(statement.Resource).toEqual([
          { 'Fn::GetAtt': [table, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [table, 'Arn'] }, '/index/*']] },
        ]);
      }
    }
  });

  it('grant every DynamoDB command the handlers send, and no Scan or transaction among them', () => {
    const used = dynamoDbActionsInHandlers();
    expect(used.length).toBeGreaterThan(0);
    expect(used).not.toContain('dynamodb:Scan');
    expect(TABLE_ACTIONS.readWrite).toEqual(expect.arrayContaining(used));
  });

  it('scope every statement to named resources, except the X-Ray calls and the sender’s SES GetAccount that have none', () => {
    for (const name of HANDLERS) {
      for (const statement of statementsOfFunction(template, `${name}Function`)) {
        expect(statement.Effect).toBe('Allow');
        if (statement.Resource === '*' && statement.Action === 'ses:GetAccount') expect(name).toBe('Sender');
        else if (statement.Resource === '*') expect([name, statement.Action]).toEqual([name, XRAY]);
        else expect(JSON.stringify(statement.Resource)).not.toMatch(/"\*"/);
      }
    }
  });

  it('attach no AWS managed policy to the function roles', () => {
    for (const name of HANDLERS) {
      const { properties } = resourceNamed(template, 'AWS::Lambda::Function', `${name}Function`);
      const role = (properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      expect(template.toJSON().Resources[role].Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('let only the sender call SES, and only SendEmail on the sender identity and configuration set', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'ses:SendEmail',
            Resource: [
              Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':identity/campaigns@example.com'])] }),
              Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':identity/example.com'])] }),
              Match.objectLike({
                'Fn::Join': ['', Match.arrayWith([':configuration-set/campaign-mailer-test'])],
              }),
            ],
          }),
        ]),
      },
    });
  });
});

describe('the HTTP API', () => {
  type Route = {
    Properties: { RouteKey: string; AuthorizationType?: string; Target: { 'Fn::Join': [string, unknown[]] } };
  };
  const routeTable = (t: Template) => {
    const routes = t.findResources('AWS::ApiGatewayV2::Route') as Record<string, Route>;
    const integrations = t.findResources('AWS::ApiGatewayV2::Integration') as Record<
      string,
      { Properties: { IntegrationUri: { 'Fn::GetAtt': [string, string] } } }
    >;
    const targetOf = (route: Route) => {
      const integration = route.Properties.Target['Fn::Join'][1].find(
        (part): part is { Ref: string } => typeof part === 'object' && part !== null && 'Ref' in part,
      );
      return integrations[integration?.Ref ?? '']?.Properties.IntegrationUri['Fn::GetAtt'][0];
    };
    return Object.fromEntries(Object.values(routes).map((r) => [r.Properties.RouteKey, targetOf(r)]));
  };

  it('routes exactly the routes of API_ROUTES (which the runner serves and OpenAPI describes) to their functions', () => {
    const fn = (name: string) => logicalIdOf('AWS::Lambda::Function', `${name}Function`);
    const functionOf: Record<ApiFunction, string> = {
      uploadApi: fn('UploadApi'),
      uploadUrl: fn('UploadUrl'),
      campaigns: fn('Campaigns'),
      graphql: fn('Graphql'),
      health: fn('Health'),
      docs: fn('Docs'),
      suppressions: fn('Suppressions'),
      unsubscribe: fn('Unsubscribe'),
    };
    expect(routeTable(template)).toEqual(
      Object.fromEntries(API_ROUTES.map((route) => [routeKeyOf(route), functionOf[route.fn]])),
    );
    expect(routeTable(template)).toEqual({
      'POST /campaigns/upload': fn('UploadApi'),
      'POST /campaigns/uploads': fn('UploadUrl'),
      'GET /campaigns/{batchId}': fn('Campaigns'),
      'POST /campaigns/{batchId}/pause': fn('Campaigns'),
      'POST /campaigns/{batchId}/resume': fn('Campaigns'),
      'POST /campaigns/{batchId}/cancel': fn('Campaigns'),
      'POST /campaigns/{batchId}/schedule': fn('Campaigns'),
      'GET /graphql': fn('Graphql'),
      'POST /graphql': fn('Graphql'),
      'GET /health': fn('Health'),
      'GET /openapi.json': fn('Docs'),
      'GET /docs': fn('Docs'),
      'GET /docs/{asset}': fn('Docs'),
      'GET /suppressions': fn('Suppressions'),
      'PUT /suppressions/{email}': fn('Suppressions'),
      'DELETE /suppressions/{email}': fn('Suppressions'),
      'POST /suppressions/import': fn('Suppressions'),
      'GET /unsubscribe/{token}': fn('Unsubscribe'),
      'POST /unsubscribe/{token}': fn('Unsubscribe'),
    });
  });

  it('leaves only /health and the documentation to functions that cannot read API keys, and the unsubscribe link to its token; every other route checks a key', () => {
    // API keys are checked inside the functions (hashed, in the table), so no route has an API
    // Gateway authorizer; a route is protected exactly when its function can read the keys. The one
    // exception is the unsubscribe link: public by RFC 8058, its signed token is its credential, and its
    // function reads the table for the send the token names (handler.ts checks the token first).
    const tokenRoutes = ['GET /unsubscribe/{token}', 'POST /unsubscribe/{token}'];
    const handlerOf = Object.fromEntries(
      HANDLERS.map((name) => [logicalIdOf('AWS::Lambda::Function', `${name}Function`), name]),
    );
    const publicRoutes = Object.entries(routeTable(template))
      .filter(
        ([, target]) =>
          !actionsOfFunction(template, `${handlerOf[String(target)]}Function`).includes('dynamodb:GetItem'),
      )
      .map(([routeKey]) => routeKey);
    expect(publicRoutes.sort()).toEqual(
      API_ROUTES.filter((route) => route.access === 'public')
        .map(routeKeyOf)
        .filter((routeKey) => !tokenRoutes.includes(routeKey))
        .sort(),
    );
    expect(
      API_ROUTES.filter((route) => route.fn === 'unsubscribe').map((route) => [
        routeKeyOf(route),
        route.access,
      ]),
    ).toEqual(tokenRoutes.map((routeKey) => [routeKey, 'public']));
    expect(publicRoutes.sort()).toEqual([
      'GET /docs',
      'GET /docs/{asset}',
      'GET /health',
      'GET /openapi.json',
    ]);
  });

  it('names its URLs, the dashboard, the table and the queues in the stack outputs', () => {
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(
      [
        'ApiUrl',
        'GraphqlUrl',
        'DocsUrl',
        'DashboardUrl',
        'TableName',
        'UploadBucketName',
        'QueueUrl',
        'WriteQueueUrl',
        'WriteDeadLetterQueueUrl',
        'DeadLetterQueueUrl',
        'DeadLetterQueueArn',
        'PriorityQueueUrl',
        'PriorityDeadLetterQueueUrl',
        'PriorityDeadLetterQueueArn',
        'SesConfigurationSet',
        'EventsDeadLetterQueueUrl',
      ].sort(),
    );
    const api = logicalIdOf('AWS::ApiGatewayV2::Api', 'HttpApi');
    const endpoint = { 'Fn::GetAtt': [api, 'ApiEndpoint'] };
    template.hasOutput('ApiUrl', { Value: endpoint });
    template.hasOutput('GraphqlUrl', { Value: { 'Fn::Join': ['', [endpoint, '/graphql']] } });
    template.hasOutput('DocsUrl', { Value: { 'Fn::Join': ['', [endpoint, '/docs']] } });
    template.hasOutput('DeadLetterQueueArn', {
      Value: { 'Fn::GetAtt': [logicalIdOf('AWS::SQS::Queue', 'QueueingDeadLetterQueue'), 'Arn'] },
    });
    template.hasOutput('DashboardUrl', {
      Value: {
        'Fn::Join': [
          '',
          Match.arrayWith([
            { Ref: 'AWS::Region' },
            Match.stringLikeRegexp('#dashboards/dashboard/CampaignMailer-test$'),
          ]),
        ],
      },
    });
  });
});

describe('the bucket of campaign files', () => {
  const bucket = () => resourceNamed(template, 'AWS::S3::Bucket', 'LargeUploadsBucket');

  it('is private, encrypted, TLS-only, logged, forgets uploads after 7 days and rows with their sends', () => {
    expect(bucket().properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: logicalIdOf('AWS::S3::Bucket', 'LargeUploadsAccessLogs') },
      },
      LifecycleConfiguration: {
        Rules: [
          expect.objectContaining({ Prefix: 'uploads/', ExpirationInDays: 7, Status: 'Enabled' }),
          expect.objectContaining({ Prefix: 'rows/', ExpirationInDays: 90, Status: 'Enabled' }),
        ],
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucket().id },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
    expect(bucket().properties.CorsConfiguration).toBeUndefined();
  });

  it('allows a browser PUT from the configured origins only', () => {
    const { template: cors } = synthStack({ corsOrigins: 'https://app.example.com' });
    expect(resourceNamed(cors, 'AWS::S3::Bucket', 'LargeUploadsBucket').properties.CorsConfiguration).toEqual(
      {
        CorsRules: [
          {
            AllowedOrigins: ['https://app.example.com'],
            AllowedMethods: ['PUT'],
            AllowedHeaders: ['content-type', 'x-amz-meta-file-name', 'x-amz-meta-dry-run'],
            MaxAge: 3600,
          },
        ],
      },
    );
  });

  it('puts each new uploads/*.csv object on the write queue, for the writer (15 minutes a run)', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: bucket().id },
      NotificationConfiguration: {
        QueueConfigurations: [
          {
            Events: ['s3:ObjectCreated:*'],
            Filter: {
              Key: {
                FilterRules: [
                  { Name: 'suffix', Value: '.csv' },
                  { Name: 'prefix', Value: 'uploads/' },
                ],
              },
            },
            QueueArn: { 'Fn::GetAtt': [logicalIdOf('AWS::SQS::Queue', 'WriteQueue'), 'Arn'] },
          },
        ],
      },
    });
    // S3 may send to the write queue, for this bucket only.
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalIdOf('AWS::SQS::Queue', 'WriteQueue') }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 's3.amazonaws.com' },
            Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [bucket().id, 'Arn'] } } },
          }),
        ]),
      },
    });
    expect(resourceNamed(template, 'AWS::Lambda::Function', 'WriterFunction').properties).toMatchObject({
      Timeout: 900,
      MemorySize: 1024,
    });
  });

  it('lets each function reach only the objects it uses: uploads/ to store, sign and read, rows/ to write and read', () => {
    const objects = (prefix: string) => ({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket().id, 'Arn'] }, `/${prefix}*`]],
    });
    const s3Statements = (name: string) =>
      statementsOfFunction(template, `${name}Function`).filter((st) =>
        [st.Action].flat().some((a) => a.startsWith('s3:')),
      );
    expect(s3Statements('UploadUrl')).toEqual([
      { Effect: 'Allow', Action: 's3:PutObject', Resource: objects('uploads/') },
    ]);
    expect(s3Statements('UploadApi')).toEqual([
      { Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: objects('uploads/') },
    ]);
    expect(s3Statements('Writer')).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: objects('uploads/') },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: objects('rows/') },
    ]);
    for (const reader of ['Sender', 'Graphql']) {
      expect(s3Statements(reader)).toEqual([
        { Effect: 'Allow', Action: 's3:GetObject', Resource: objects('rows/') },
      ]);
    }
    for (const name of ['UploadUrl', 'UploadApi', 'Writer', 'Sender', 'Graphql']) {
      expect(envOf(name)).toMatchObject({ UPLOAD_BUCKET: { Ref: bucket().id } });
    }
    expect(envOf('UploadUrl')).toMatchObject({ UPLOAD_URL_SECONDS: '900' });
  });
});

describe('the configuration', () => {
  it('refuses a stage name that queue names cannot hold', () => {
    expect(() => synthStack({ stage: 'my stage!' })).toThrow(MailerConfigError);
  });

  it('refuses a sender address that is not an address', () => {
    expect(() => synthStack({ senderEmail: 'campaigns' })).toThrow(/senderEmail must be an email address/);
  });

  it('caps the sender concurrency from context', () => {
    const { template: capped } = synthStack({ senderMaxConcurrency: '5' });
    capped.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('passes dryRun and maxSendRate to the sender, and sets neither by default', () => {
    expect(envOf('Sender')).not.toHaveProperty('DRY_RUN');
    expect(envOf('Sender')).not.toHaveProperty('MAX_SEND_RATE');
    const { template: configured } = synthStack({ dryRun: 'true', maxSendRate: '14' });
    const sender = resourceNamed(configured, 'AWS::Lambda::Function', 'SenderFunction').properties as {
      Environment: { Variables: Record<string, unknown> };
    };
    expect(sender.Environment.Variables).toMatchObject({ DRY_RUN: 'true', MAX_SEND_RATE: '14' });
    // From cdk.json the values arrive as JSON, not strings.
    const { template: fromJson } = synthStack({ dryRun: false, maxSendRate: 0.5 });
    const json = resourceNamed(fromJson, 'AWS::Lambda::Function', 'SenderFunction').properties as {
      Environment: { Variables: Record<string, unknown> };
    };
    expect(json.Environment.Variables).not.toHaveProperty('DRY_RUN');
    expect(json.Environment.Variables).toMatchObject({ MAX_SEND_RATE: '0.5' });
  });

  it('turns GraphQL introspection off on AWS unless graphqlIntrospection is true', () => {
    expect(envOf('Graphql')).toMatchObject({ GRAPHQL_INTROSPECTION: 'false' });
    const { template: open } = synthStack({ graphqlIntrospection: 'true' });
    const graphql = resourceNamed(open, 'AWS::Lambda::Function', 'GraphqlFunction').properties as {
      Environment: { Variables: Record<string, unknown> };
    };
    expect(graphql.Environment.Variables).toMatchObject({ GRAPHQL_INTROSPECTION: 'true' });
    expect(() => synthStack({ graphqlIntrospection: 'yes' })).toThrow(
      /context graphqlIntrospection must be true or false, got "yes"/,
    );
  });

  it('tells the upload-url function and the writer the largest file, 1 GiB unless maxLargeUploadBytes says otherwise', () => {
    for (const name of ['UploadUrl', 'Writer']) {
      expect(envOf(name)).toMatchObject({ MAX_LARGE_UPLOAD_BYTES: String(1024 ** 3) });
    }
    const { template: configured } = synthStack({ maxLargeUploadBytes: '10485760' });
    for (const name of ['UploadUrl', 'Writer']) {
      const fn = resourceNamed(configured, 'AWS::Lambda::Function', `${name}Function`).properties as {
        Environment: { Variables: Record<string, unknown> };
      };
      expect(fn.Environment.Variables).toMatchObject({ MAX_LARGE_UPLOAD_BYTES: '10485760' });
    }
    expect(() => synthStack({ maxLargeUploadBytes: String(6 * 1024 ** 3) })).toThrow(
      /context maxLargeUploadBytes must be an integer from 1024 to 5368709120/,
    );
  });

  it('keeps sends, batches and rows 90 days unless retentionDays says otherwise', () => {
    const keepers = ['UploadApi', 'Writer', 'Sender', 'Sweeper'];
    for (const name of keepers) expect(envOf(name)).toMatchObject({ RETENTION_DAYS: '90' });
    const { template: configured } = synthStack({ retentionDays: '30' });
    for (const name of keepers) {
      const fn = resourceNamed(configured, 'AWS::Lambda::Function', `${name}Function`).properties as {
        Environment: { Variables: Record<string, unknown> };
      };
      expect(fn.Environment.Variables).toMatchObject({ RETENTION_DAYS: '30' });
    }
    const rules = (
      resourceNamed(configured, 'AWS::S3::Bucket', 'LargeUploadsBucket').properties
        .LifecycleConfiguration as {
        Rules: { Prefix: string; ExpirationInDays: number }[];
      }
    ).Rules;
    expect(rules.find((rule) => rule.Prefix === 'rows/')?.ExpirationInDays).toBe(30);
    expect(() => synthStack({ retentionDays: '0' })).toThrow(
      /context retentionDays must be an integer from 1/,
    );
  });

  it('refuses a dryRun that is not true or false and a maxSendRate that is not a positive number', () => {
    expect(() => synthStack({ dryRun: 'yes' })).toThrow(MailerConfigError);
    expect(() => synthStack({ dryRun: 'yes' })).toThrow(/context dryRun must be true or false, got "yes"/);
    for (const rate of ['0', '-1', 'fast', '2000000']) {
      expect(() => synthStack({ maxSendRate: rate })).toThrow(
        new RegExp(`context maxSendRate must be a number above 0 .*got "${rate}"`),
      );
    }
  });

  it('shrinks the sender batch when maxSendRate is too low to pace 10 sends within the sender timeout', () => {
    // 0.2 sends/s shared by 2 senders: one SES call every 10 s; 10 would take 100 s, the timeout is 30 s.
    const { template: slow } = synthStack({ maxSendRate: '0.2' });
    slow.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 2,
      ScalingConfig: { MaximumConcurrency: 2 },
    });
    expect(SENDER_TIMEOUT_SECONDS).toBe(30);
    // At the SES sandbox rate a full batch fits.
    synthStack({ maxSendRate: '1' }).template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: SEND_QUEUE.batchSize,
    });
  });

  it('refuses a maxSendRate at which not even one send can be paced within the sender timeout, naming the values', () => {
    expect(() => synthStack({ maxSendRate: '0.05' })).toThrow(MailerConfigError);
    expect(() => synthStack({ maxSendRate: '0.05' })).toThrow(
      /context maxSendRate 0\.05 is too low for senderMaxConcurrency 2: .*once every 40 s.*at least 0\.08 \(senderMaxConcurrency is at its minimum, 2\)/,
    );
    expect(() => synthStack({ maxSendRate: '0.1', senderMaxConcurrency: '4' })).toThrow(
      /at least 0\.16 or lower senderMaxConcurrency/,
    );
  });

  it('refuses CORS origins that are not bare origins, and an alarm address that is not one', () => {
    expect(() => synthStack({ corsOrigins: '*' })).toThrow(/corsOrigins/);
    expect(() => synthStack({ corsOrigins: 'https://*.example.com' })).toThrow(/corsOrigins/);
    expect(() => synthStack({ corsOrigins: 'https://app.example.com/path' })).toThrow(/corsOrigins/);
    expect(() => synthStack({ corsOrigins: '["https://app.example.com"' })).toThrow(/JSON array/);
    expect(() => synthStack({ alarmEmail: 'ops' })).toThrow(/alarmEmail must be an email address/);
  });

  it('refuses a queue age alarm longer than the queue keeps messages', () => {
    expect(() => synthStack({ maxQueueAgeMinutes: String(SEND_QUEUE.retentionSeconds / 60 + 1) })).toThrow(
      /maxQueueAgeMinutes/,
    );
  });
});

describe('bundling', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'mailer-synth-'));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('bundles every handler with the local esbuild and ships the GraphQL schema beside its handler', () => {
    const { template: bundled } = synthStack({}, { bundle: true, outdir });
    // A stretch of GraphiQL's 5 MB bundle, which the graphql function's page loads from /docs/ instead.
    const graphiql = readFileSync(
      repoPath('node_modules/@graphql-yoga/graphiql/dist/yoga-graphiql.umd.js'),
      'utf8',
    );
    const graphiqlSample = graphiql.slice(graphiql.length / 2, graphiql.length / 2 + 200);
    for (const name of HANDLERS) {
      const code = resourceNamed(bundled, 'AWS::Lambda::Function', `${name}Function`).properties.Code as {
        S3Key: string;
      };
      const assetDir = join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
      expect(existsSync(join(assetDir, 'index.mjs'))).toBe(true);
      expect(existsSync(join(assetDir, 'schema.graphql'))).toBe(name === 'Graphql');
      // The browser files of Swagger UI and GraphiQL beside the docs handler, by the names /docs/ serves
      // them under, and inlined into no bundle.
      for (const file of DOCS_FILES) {
        expect([name, file.name, existsSync(join(assetDir, file.name))]).toEqual([
          name,
          file.name,
          name === 'Docs',
        ]);
      }
      const handlerCode = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
      expect(handlerCode).not.toContain('SwaggerUIBundle=');
      expect(handlerCode).not.toContain(graphiqlSample);
    }
  }, 120_000);
});

/** The IAM actions of the DynamoDB commands imported anywhere under lambdas/ (what the functions can send). */
/** Every module a deployed function loads: the relative imports followed from each entry of FUNCTIONS. */
function modulesOfFunctions(): string[] {
  const seen = new Set<string>();
  const pending = (Object.keys(FUNCTIONS) as FunctionId[]).map((id) => repoPath(entryOf(id)));
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(/from\s*'(\.{1,2}\/[^']+)\.js'/g)) {
      pending.push(join(dirname(file), `${match[1]}.ts`));
    }
  }
  return [...seen];
}

function dynamoDbActionsInHandlers(): string[] {
  const ACTION_OF: Record<string, string> = {
    Get: 'GetItem',
    Put: 'PutItem',
    Update: 'UpdateItem',
    Delete: 'DeleteItem',
    BatchGet: 'BatchGetItem',
    BatchWrite: 'BatchWriteItem',
    TransactGet: 'TransactGetItems',
    TransactWrite: 'TransactWriteItems',
  };
  const actions = new Set<string>();
  // Only what the functions load: the table's provisioning (CreateTable) serves the local runner and
  // the tests, while CloudFormation creates the deployed table.
  for (const file of modulesOfFunctions()) {
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(
      /import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/(?:lib|client)-dynamodb'/g,
    )) {
      for (const raw of (match[1] ?? '').split(',')) {
        const name = raw.trim();
        if (name.startsWith('type ') || !name.endsWith('Command')) continue;
        const operation = name.slice(0, -'Command'.length);
        actions.add(`dynamodb:${ACTION_OF[operation] ?? operation}`);
      }
    }
  }
  return [...actions].sort();
}
