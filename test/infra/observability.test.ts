import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRIC, METRICS_NAMESPACE } from '../../lambdas/contract/metric-names.js';
import { resourceNamed, synthStack } from '../helpers/synth-stack.js';

let template: Template;
let configured: Template;
beforeAll(() => {
  template = synthStack().template;
  configured = synthStack({
    maxQueueAgeMinutes: '10',
    sesThrottleAlarmThreshold: '7',
    failedEmailsAlarmPercent: '12',
    bounceRateAlarmPercent: '4',
    complaintRateAlarmPercent: '0.08',
  }).template;
});

type Properties = Record<string, unknown>;
const alarmsOf = (t: Template): Record<string, Properties> =>
  Object.fromEntries(
    Object.values(
      t.findResources('AWS::CloudWatch::Alarm') as Record<string, { Properties: Properties }>,
    ).map(({ Properties: p }) => [String(p.AlarmName).replace(/^campaign-mailer-test-/, ''), p]),
  );
const id = (type: string, part: string) => resourceNamed(template, type, part).id;
const ALARMS = [
  'dead-letter-queue-not-empty',
  'send-queue-oldest-message',
  'priority-dead-letter-queue-not-empty',
  'priority-send-queue-oldest-message',
  'sender-errors',
  'sender-lambda-throttles',
  'ses-throttles',
  'emails-failed',
  'sweeper-errors',
  'writer-errors',
  'write-dead-letter-queue-not-empty',
  'write-queue-oldest-message',
  'events-dead-letter-queue-not-empty',
  'api5xx',
  'account-bounce-rate',
  'account-complaint-rate',
  'batch-paused-by-guardrail',
];

describe('the alarms', () => {
  it('are exactly the ones an operator acts on, named after the stage', () => {
    expect(Object.keys(alarmsOf(template)).sort()).toEqual([...ALARMS].sort());
  });

  it('treat missing data as fine and fire on the first breaching period', () => {
    for (const alarm of Object.values(alarmsOf(template))) {
      expect(alarm).toMatchObject({ EvaluationPeriods: 1, TreatMissingData: 'notBreaching' });
    }
  });

  it("watch the account's bounce and complaint rates as SES measures them, at 5 % and 0.1 % or as configured", () => {
    expect(alarmsOf(template)['account-bounce-rate']).toMatchObject({
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.BounceRate',
      Statistic: 'Maximum',
      Threshold: 0.05,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(alarmsOf(template)['account-complaint-rate']).toMatchObject({
      Namespace: 'AWS/SES',
      MetricName: 'Reputation.ComplaintRate',
      Threshold: 0.001,
    });
    expect(alarmsOf(configured)['account-bounce-rate']).toMatchObject({ Threshold: 0.04 });
    expect(alarmsOf(configured)['account-complaint-rate']).toMatchObject({ Threshold: 0.0008 });
  });

  it('fire as soon as one message is on the dead-letter queue', () => {
    expect(alarmsOf(template)['dead-letter-queue-not-empty']).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [id('AWS::SQS::Queue', 'QueueingDeadLetterQueue'), 'QueueName'] },
        },
      ],
      Statistic: 'Maximum',
      Period: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('fire when the oldest message on the send queue is older than 30 minutes, or as configured', () => {
    const expected = {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [id('AWS::SQS::Queue', 'QueueingSendQueue'), 'QueueName'] },
        },
      ],
      Statistic: 'Maximum',
      ComparisonOperator: 'GreaterThanThreshold',
    };
    expect(alarmsOf(template)['send-queue-oldest-message']).toMatchObject({
      ...expected,
      Threshold: 30 * 60,
    });
    expect(alarmsOf(configured)['send-queue-oldest-message']).toMatchObject({ Threshold: 10 * 60 });
  });

  it('fire on any sender error, sender throttle or sweeper error within five minutes', () => {
    const sender = { Ref: id('AWS::Lambda::Function', 'SenderFunction') };
    const sweeper = { Ref: id('AWS::Lambda::Function', 'SweeperFunction') };
    const lambda = (metric: string, fn: unknown) => ({
      Namespace: 'AWS/Lambda',
      MetricName: metric,
      Dimensions: [{ Name: 'FunctionName', Value: fn }],
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
    const alarms = alarmsOf(template);
    expect(alarms['sender-errors']).toMatchObject(lambda('Errors', sender));
    expect(alarms['sender-lambda-throttles']).toMatchObject(lambda('Throttles', sender));
    expect(alarms['sweeper-errors']).toMatchObject(lambda('Errors', sweeper));
  });

  it('fire when SES throttles the sender more than 100 times in five minutes, or as configured', () => {
    const expected = {
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.sesThrottles,
      Dimensions: [{ Name: 'service', Value: 'sender' }],
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'GreaterThanThreshold',
    };
    expect(alarmsOf(template)['ses-throttles']).toMatchObject({ ...expected, Threshold: 100 });
    expect(alarmsOf(configured)['ses-throttles']).toMatchObject({ Threshold: 7 });
  });

  it('fire when more than 5% (or as configured) of at least 20 finished emails failed in 15 minutes', () => {
    const alarm = alarmsOf(template)['emails-failed'] as { Metrics: Properties[] };
    expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 5 });
    expect(alarmsOf(configured)['emails-failed']).toMatchObject({ Threshold: 12 });
    const metric = (name: string) => ({
      Metric: {
        Namespace: METRICS_NAMESPACE,
        MetricName: name,
        Dimensions: [{ Name: 'service', Value: 'sender' }],
      },
      Period: 900,
      Stat: 'Sum',
    });
    expect(alarm.Metrics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Id: 'sent', MetricStat: metric(METRIC.emailsSent), ReturnData: false }),
        expect.objectContaining({ Id: 'failed', MetricStat: metric(METRIC.emailsFailed), ReturnData: false }),
        expect.objectContaining({
          Expression:
            'IF(FILL(sent, 0) + FILL(failed, 0) >= 20, 100 * FILL(failed, 0) / (FILL(sent, 0) + FILL(failed, 0)), 0)',
          ReturnData: true,
        }),
      ]),
    );
  });

  it('fire on any error of the writer, which no client would see', () => {
    expect(alarmsOf(template)['writer-errors']).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id('AWS::Lambda::Function', 'WriterFunction') } }],
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('fire as soon as a file the writer kept failing on is on the write dead-letter queue', () => {
    expect(alarmsOf(template)['write-dead-letter-queue-not-empty']).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [id('AWS::SQS::Queue', 'WriteDeadLetterQueue'), 'QueueName'] },
        },
      ],
      Statistic: 'Maximum',
      Threshold: 0,
    });
  });

  it('fire as soon as an SES event the events function kept failing on is on the events dead-letter queue', () => {
    expect(alarmsOf(template)['events-dead-letter-queue-not-empty']).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [id('AWS::SQS::Queue', 'EventsDeadLetterQueue'), 'QueueName'] },
        },
      ],
      Statistic: 'Maximum',
      Threshold: 0,
    });
  });

  it('fire when an uploaded file waits for the writer longer than the queue age limit', () => {
    expect(alarmsOf(configured)['write-queue-oldest-message']).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Statistic: 'Maximum',
      Threshold: 600,
    });
  });

  it('fire on any 5xx answer of the HTTP API', () => {
    expect(alarmsOf(template).api5xx).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: [{ Name: 'ApiId', Value: { Ref: id('AWS::ApiGatewayV2::Api', 'HttpApi') } }],
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('notify nobody without an alarm address', () => {
    template.resourceCountIs('AWS::SNS::Topic', 0);
    for (const alarm of Object.values(alarmsOf(template))) {
      expect(alarm.AlarmActions).toBeUndefined();
      expect(alarm.OKActions).toBeUndefined();
    }
  });
});

describe('the alarm topic', () => {
  let withEmail: Template;
  beforeAll(() => {
    withEmail = synthStack({ alarmEmail: 'ops@example.com' }).template;
  });

  it('exists only with an alarm address, which it mails every alarm and every recovery', () => {
    const topic = resourceNamed(withEmail, 'AWS::SNS::Topic', 'AlarmTopic').id;
    withEmail.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: topic },
    });
    const alarms = Object.values(alarmsOf(withEmail));
    expect(alarms).toHaveLength(ALARMS.length);
    for (const alarm of alarms) {
      expect(alarm.AlarmActions).toEqual([{ Ref: topic }]);
      expect(alarm.OKActions).toEqual([{ Ref: topic }]);
    }
  });

  it('is encrypted with the stack key, which CloudWatch may use to publish', () => {
    const key = resourceNamed(withEmail, 'AWS::KMS::Key', 'OperationsKey');
    expect(resourceNamed(withEmail, 'AWS::SNS::Topic', 'AlarmTopic').properties.KmsMasterKeyId).toEqual({
      'Fn::GetAtt': [key.id, 'Arn'],
    });
    expect(key.properties.KeyPolicy).toMatchObject({
      Statement: expect.arrayContaining([
        expect.objectContaining({
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        }),
      ]),
    });
  });

  it("refuses publishing that is not over TLS, and lets only this stage's alarms publish", () => {
    const topic = resourceNamed(withEmail, 'AWS::SNS::Topic', 'AlarmTopic').id;
    withEmail.resourceCountIs('AWS::SNS::TopicPolicy', 1);
    withEmail.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: topic },
            Condition: {
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': ['', Match.arrayWith([':alarm:campaign-mailer-test-*'])],
                },
              },
            },
          }),
        ]),
      },
    });
  });
});

describe('the stack key', () => {
  it('rotates, and lets CloudWatch Logs use it only for this account and region', () => {
    const key = resourceNamed(template, 'AWS::KMS::Key', 'OperationsKey').properties as {
      EnableKeyRotation: boolean;
      KeyPolicy: { Statement: Properties[] };
    };
    expect(key.EnableKeyRotation).toBe(true);
    expect(key.KeyPolicy.Statement).toContainEqual(
      expect.objectContaining({
        Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
        Condition: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':logs:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':log-group:*',
                ],
              ],
            },
          },
        },
      }),
    );
    // Without an alarm topic there is nothing for CloudWatch alarms to decrypt.
    expect(JSON.stringify(key.KeyPolicy)).not.toContain('cloudwatch.amazonaws.com');
  });
});

describe('the dashboard', () => {
  const body = (t: Template): string => {
    const { properties } = resourceNamed(t, 'AWS::CloudWatch::Dashboard', 'Dashboard');
    expect(properties.DashboardName).toBe('CampaignMailer-test');
    // The body is a Fn::Join of literal JSON and resource references; the literals are what we check.
    return JSON.stringify(properties.DashboardBody);
  };

  it('shows uploads, rows, emails, SES latency, throttles, both queues, the functions, the API and the large-file path', () => {
    const text = body(template);
    for (const title of [
      'Alarms',
      'Uploads',
      'Rows',
      'Emails',
      'SES latency (ms)',
      'Throttles',
      'Send queue',
      'Dead-letter queue',
      'Lambda errors',
      'Lambda duration p95 (ms)',
      'API requests',
      'API latency (ms)',
      'Writer',
      'Write queue',
      'Upload URLs',
      'Campaigns',
      'Docs',
      'SES events',
      'Suppressions and unknown sends',
      'Events queue',
    ]) {
      expect(text).toContain(`\\"title\\":\\"${title}\\"`);
    }
    for (const metric of Object.values(METRIC)) expect(text).toContain(`\\"${metric}\\"`);
    for (const statistic of ['p50', 'p95']) expect(text).toContain(`\\"stat\\":\\"${statistic}\\"`);
    for (const metric of [
      'ApproximateAgeOfOldestMessage',
      'ApproximateNumberOfMessagesVisible',
      '4xx',
      '5xx',
      'Latency',
    ]) {
      expect(text).toContain(`\\"${metric}\\"`);
    }
    for (const service of [
      'upload-api',
      'sender',
      'sweeper',
      'graphql',
      'health',
      'upload-url',
      'writer',
      'campaigns',
      'docs',
      'suppressions',
      'events',
    ]) {
      expect(text).toContain(`\\"label\\":\\"${service}\\"`);
    }
  });

  it('shows invocations, errors and duration of the writer, upload-url, campaigns, docs and suppressions functions', () => {
    const { properties } = resourceNamed(template, 'AWS::CloudWatch::Dashboard', 'Dashboard');
    const parts = (properties.DashboardBody as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
    const widgets = (title: string) => {
      // The widget's literal JSON up to the next widget, with the function references in between.
      const joined = parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join('');
      const start = joined.indexOf(`"title":"${title}"`);
      expect(start).toBeGreaterThan(-1);
      const end = joined.indexOf('"title":', start + 1);
      return joined.slice(start, end === -1 ? undefined : end);
    };
    for (const [title, fn] of [
      ['Writer', 'WriterFunction'],
      ['Upload URLs', 'UploadUrlFunction'],
      ['Campaigns', 'CampaignsFunction'],
      ['Docs', 'DocsFunction'],
      ['Suppression list', 'SuppressionsFunction'],
    ] as const) {
      const widget = widgets(title);
      for (const metric of ['Invocations', 'Errors', 'Duration']) expect(widget).toContain(`"${metric}"`);
      expect(widget).toContain(id('AWS::Lambda::Function', fn));
    }
    const queue = widgets('Write queue');
    expect(queue).toContain(id('AWS::SQS::Queue', 'WriteDeadLetterQueue'));
    expect(queue).toContain('ApproximateAgeOfOldestMessage');
  });
});
