import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { Duration } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEND_QUEUE } from '../../lambdas/queue/queue-settings.js';
import { checkSenderTiming, SENDER_TIMEOUT, SenderTimingError } from '../../lib/constructs/functions.js';
import { MailerConfigError } from '../../lib/mailer-config.js';
import { createTableInput } from '../../local/provision.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { actionsOfFunction, resourceNamed, synthStack } from '../helpers/synth-stack.js';

let template: Template;
beforeAll(() => {
  template = synthStack().template;
});

const HANDLERS = ['Ingest', 'Sender', 'Sweeper', 'DeadLetter', 'Graphql'];
const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

describe('the EmailSends table', () => {
  it('has exactly the keys and indexes the local runner creates, both built from one definition', () => {
    const local = createTableInput('EmailSends');
    const { properties } = resourceNamed(template, 'AWS::DynamoDB::Table', 'EmailSends');
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

  it('is kept when the stack is deleted, unless the stack is marked as a dev stack', () => {
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    synthStack({ devStack: true }).template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });
});

describe('the send queue and its dead-letter queue', () => {
  let aws: TestAws;
  beforeAll(async () => {
    aws = await startTestAws();
  });
  afterAll(() => aws.stop());

  it('dead-letter after the same number of receives and keep messages as long as the local queues', async () => {
    const queue = resourceNamed(template, 'AWS::SQS::Queue', 'SendQueue').properties;
    const deadLetters = resourceNamed(template, 'AWS::SQS::Queue', 'DeadLetterQueue').properties;
    const local = await aws.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: aws.queues.queueUrl, AttributeNames: ['All'] }),
    );
    const localDeadLetters = await aws.clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: aws.queues.deadLetterQueueUrl, AttributeNames: ['All'] }),
    );
    const localRedrive = JSON.parse(local.Attributes?.RedrivePolicy ?? '{}') as { maxReceiveCount: unknown };

    expect(Number(localRedrive.maxReceiveCount)).toBe(3);
    expect(queue.RedrivePolicy).toMatchObject({ maxReceiveCount: Number(localRedrive.maxReceiveCount) });
    expect(queue.MessageRetentionPeriod).toBe(Number(local.Attributes?.MessageRetentionPeriod));
    expect(queue.VisibilityTimeout).toBe(Number(local.Attributes?.VisibilityTimeout));
    expect(deadLetters.MessageRetentionPeriod).toBe(
      Number(localDeadLetters.Attributes?.MessageRetentionPeriod),
    );
    expect(deadLetters.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('are encrypted at rest and refuse requests that are not over TLS', () => {
    for (const name of ['SendQueue', 'DeadLetterQueue']) {
      expect(resourceNamed(template, 'AWS::SQS::Queue', name).properties.SqsManagedSseEnabled).toBe(true);
    }
    template.resourceCountIs('AWS::SQS::QueuePolicy', 2);
    template.allResourcesProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('hide a received message for at least six sender timeouts', () => {
    expect(SEND_QUEUE.visibilityTimeoutSeconds).toBeGreaterThanOrEqual(6 * SENDER_TIMEOUT.toSeconds());
    expect(() => checkSenderTiming(Duration.seconds(60), Duration.seconds(90), 180)).toThrow(
      SenderTimingError,
    );
    expect(() => checkSenderTiming(Duration.seconds(30), Duration.seconds(20), 180)).toThrow(/lease/);
  });
});

describe('the functions', () => {
  it('run Node.js 22 on arm64, bundled as ES modules, with bounded memory and timeout', () => {
    for (const name of HANDLERS) {
      const { properties } = resourceNamed(template, 'AWS::Lambda::Function', `${name}Function`);
      expect(properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
      expect(properties.MemorySize).toBeLessThanOrEqual(1769);
      expect(properties.Timeout).toBeLessThanOrEqual(300);
    }
  });

  it('trigger the sender from the send queue, 10 messages at a time, with partial batch failures and capped concurrency', () => {
    const sender = resourceNamed(template, 'AWS::Lambda::Function', 'SenderFunction').id;
    const queue = resourceNamed(template, 'AWS::SQS::Queue', 'SendQueue').id;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: sender },
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('trigger the dead-letter function from the dead-letter queue with partial batch failures', () => {
    const deadLetter = resourceNamed(template, 'AWS::Lambda::Function', 'DeadLetterFunction').id;
    const queue = resourceNamed(template, 'AWS::SQS::Queue', 'DeadLetterQueue').id;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: deadLetter },
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('run the sweeper every five minutes', () => {
    const sweeper = resourceNamed(template, 'AWS::Lambda::Function', 'SweeperFunction').id;
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [sweeper, 'Arn'] } })],
    });
  });

  it('let the GraphQL function read the table and nothing more', () => {
    const actions = actionsOfFunction(template, 'GraphqlFunction');
    expect(actions).toEqual(expect.arrayContaining(['dynamodb:Query', 'dynamodb:GetItem']));
    for (const write of WRITE_ACTIONS) expect(actions).not.toContain(write);
    expect(actions.some((action) => action.startsWith('sqs:') || action.startsWith('ses:'))).toBe(false);
  });

  it('let only the sender call SES, and only SendEmail on the sender identity', () => {
    for (const name of HANDLERS.filter((n) => n !== 'Sender')) {
      expect(actionsOfFunction(template, `${name}Function`).filter((a) => a.startsWith('ses:'))).toEqual([]);
    }
    expect(actionsOfFunction(template, 'SenderFunction').filter((a) => a.startsWith('ses:'))).toEqual([
      'ses:SendEmail',
    ]);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'ses:SendEmail',
            Resource: Match.arrayWith([
              Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([':identity/campaigns@example.com'])] }),
            ]),
          }),
        ]),
      },
    });
  });

  it('let only the ingest function and the sweeper send to the queue', () => {
    for (const name of HANDLERS) {
      const sends = actionsOfFunction(template, `${name}Function`).includes('sqs:SendMessage');
      expect([name, sends]).toEqual([name, name === 'Ingest' || name === 'Sweeper']);
    }
  });
});

describe('the HTTP API', () => {
  it('routes uploads to the ingest function and GraphQL to the GraphQL function', () => {
    const routes = template.findResources('AWS::ApiGatewayV2::Route') as Record<
      string,
      { Properties: { RouteKey: string; Target: { 'Fn::Join': [string, unknown[]] } } }
    >;
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration') as Record<
      string,
      { Properties: { IntegrationUri: { 'Fn::GetAtt': [string, string] } } }
    >;
    const targetOf = (route: (typeof routes)[string]) => {
      const integration = route.Properties.Target['Fn::Join'][1].find(
        (part): part is { Ref: string } => typeof part === 'object' && part !== null && 'Ref' in part,
      );
      return integrations[integration?.Ref ?? '']?.Properties.IntegrationUri['Fn::GetAtt'][0];
    };
    const table = Object.fromEntries(Object.values(routes).map((r) => [r.Properties.RouteKey, targetOf(r)]));
    expect(table).toEqual({
      'POST /campaigns/upload': resourceNamed(template, 'AWS::Lambda::Function', 'IngestFunction').id,
      'GET /graphql': resourceNamed(template, 'AWS::Lambda::Function', 'GraphqlFunction').id,
      'POST /graphql': resourceNamed(template, 'AWS::Lambda::Function', 'GraphqlFunction').id,
    });
  });

  it('names its URL and the GraphQL URL in the stack outputs', () => {
    template.hasOutput('ApiUrl', {});
    template.hasOutput('GraphqlUrl', {});
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
});

describe('bundling', () => {
  let outdir: string;
  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'mailer-synth-'));
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('bundles every handler with the local esbuild and ships the GraphQL schema beside its handler', () => {
    const { template: bundled } = synthStack({}, { bundle: true, outdir });
    for (const name of HANDLERS) {
      const code = resourceNamed(bundled, 'AWS::Lambda::Function', `${name}Function`).properties.Code as {
        S3Key: string;
      };
      const assetDir = join(outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
      expect(existsSync(join(assetDir, 'index.mjs'))).toBe(true);
      expect(existsSync(join(assetDir, 'schema.graphql'))).toBe(name === 'Graphql');
    }
  }, 120_000);
});
