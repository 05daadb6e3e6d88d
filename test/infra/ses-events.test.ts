import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { environmentOf } from '../../lambdas/contract/setting-sources.js';
import { resourceNamed, synthStack } from '../helpers/synth-stack.js';

/** What the configuration set publishes without Open and Click, in the stack's order. */
const EVENTS = ['send', 'delivery', 'bounce', 'complaint', 'reject', 'deliveryDelay', 'renderingFailure'];
const DETAIL_TYPES = [
  'Email Sent',
  'Email Delivered',
  'Email Bounced',
  'Email Complaint Received',
  'Email Rejected',
  'Email Delivery Delayed',
  'Email Rendering Failed',
];

let template: Template;
let existing: Template;
let engagement: Template;
beforeAll(() => {
  template = synthStack().template;
  existing = synthStack({ sesConfigurationSet: 'marketing' }).template;
  engagement = synthStack({ sesOpenAndClickEvents: 'true' }).template;
});

const senderEnvironment = (t: Template) =>
  (
    resourceNamed(t, 'AWS::Lambda::Function', 'SenderFunction').properties.Environment as {
      Variables: Record<string, unknown>;
    }
  ).Variables;

const destinationOf = (t: Template) =>
  resourceNamed(t, 'AWS::SES::ConfigurationSetEventDestination', 'ToEventBridge').properties as {
    ConfigurationSetName: unknown;
    EventDestination: { MatchingEventTypes: string[]; EventBridgeDestination: { EventBusArn: unknown } };
  };

describe('the SES configuration set', () => {
  it("is the stack's own, named after the stage, and every mail is sent with it", () => {
    template.resourceCountIs('AWS::SES::ConfigurationSet', 1);
    template.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: 'campaign-mailer-test' });
    expect(senderEnvironment(template)).toMatchObject(
      environmentOf({ sesConfigurationSet: 'campaign-mailer-test' }),
    );
    template.hasOutput('SesConfigurationSet', { Value: 'campaign-mailer-test' });
  });

  it('publishes sends, deliveries, bounces, complaints, rejects, delays and rendering failures to the default bus', () => {
    const destination = destinationOf(template);
    expect(destination.EventDestination.MatchingEventTypes).toEqual(EVENTS);
    expect(JSON.stringify(destination.EventDestination.EventBridgeDestination.EventBusArn)).toContain(
      ':event-bus/default',
    );
  });

  it('publishes opens and clicks too when context enables them', () => {
    expect(destinationOf(engagement).EventDestination.MatchingEventTypes).toEqual([
      ...EVENTS,
      'open',
      'click',
    ]);
  });

  it('is an existing one when context names it: the stack adds its destination to it and creates none', () => {
    existing.resourceCountIs('AWS::SES::ConfigurationSet', 0);
    expect(destinationOf(existing).ConfigurationSetName).toBe('marketing');
    expect(senderEnvironment(existing)).toMatchObject(environmentOf({ sesConfigurationSet: 'marketing' }));
  });
});

describe('the rule of SES events', () => {
  const ruleOf = (t: Template) =>
    resourceNamed(t, 'AWS::Events::Rule', 'SesEventsRule').properties as {
      EventPattern: Record<string, unknown>;
      Targets: { Arn: unknown }[];
    };

  it("matches the configuration set's events only, and puts them on the events queue", () => {
    const rule = ruleOf(template);
    expect(rule.EventPattern).toEqual({
      source: ['aws.ses'],
      'detail-type': DETAIL_TYPES,
      detail: { mail: { tags: { 'ses:configuration-set': ['campaign-mailer-test'] } } },
    });
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [resourceNamed(template, 'AWS::SQS::Queue', 'EventsQueue').id, 'Arn'] },
      }),
    ]);
    expect(ruleOf(engagement).EventPattern['detail-type']).toEqual([
      ...DETAIL_TYPES,
      'Email Opened',
      'Email Clicked',
    ]);
    expect(ruleOf(existing).EventPattern.detail).toEqual({
      mail: { tags: { 'ses:configuration-set': ['marketing'] } },
    });
  });

  it('is the only sender the events queue lets in', () => {
    const queue = resourceNamed(template, 'AWS::SQS::Queue', 'EventsQueue').id;
    const rule = resourceNamed(template, 'AWS::Events::Rule', 'SesEventsRule').id;
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queue }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'],
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule, 'Arn'] } } },
          }),
        ]),
      },
    });
  });
});
