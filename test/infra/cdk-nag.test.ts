import { readFileSync } from 'node:fs';
import type { App } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMailerStack } from '../../lib/mailer-app.js';
import {
  type Acknowledgement,
  acknowledgementsIn,
  buildApp,
  type NagFinding,
  nagFindings,
  synthStack,
} from '../helpers/synth-stack.js';

// Every optional resource present: the alarm topic, CORS.
const FULL_CONTEXT = { alarmEmail: 'ops@example.com', corsOrigins: 'https://app.example.com' };

/** An acknowledgement covers a finding of its rule on the construct it is recorded on or below it. */
const covers = (ack: Acknowledgement, finding: NagFinding) =>
  ack.rule === finding.rule && (finding.path === ack.path || finding.path.startsWith(`${ack.path}/`));

describe('cdk-nag AwsSolutions checks', () => {
  let app: App;
  let acknowledgements: Acknowledgement[];
  let raw: NagFinding[];
  beforeAll(() => {
    app = synthStack(FULL_CONTEXT).app;
    acknowledgements = acknowledgementsIn(app);
    raw = nagFindings(app, { ignoreAcknowledgements: true });
  });

  it('leave no unacknowledged error or warning, with or without the optional resources', () => {
    expect(nagFindings(app)).toEqual([]);
    expect(nagFindings(synthStack().app)).toEqual([]);
    expect(nagFindings(synthStack({ devStack: 'true' }).app)).toEqual([]);
  });

  it('acknowledge only the API authorization, X-Ray, index, schedule-group and pinned-runtime findings, each on the resource that has it', () => {
    expect(raw.length).toBeGreaterThan(0);
    for (const finding of raw) {
      expect([finding, acknowledgements.some((ack) => covers(ack, finding))]).toEqual([finding, true]);
    }
    expect(
      [
        ...new Set(
          acknowledgements.map((ack) =>
            ack.rule
              .replace(/<\w+\.Arn>\/index/, '<table>/index')
              .replace(/<\w+\.Arn>\/uploads/, '<bucket>/uploads')
              .replace(/<\w+\.Arn>\/rows/, '<bucket>/rows'),
          ),
        ),
      ].sort(),
    ).toEqual([
      'AwsSolutions-APIG4',
      // CDK's own handler that configures the upload bucket's S3 notification at deploy time.
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::<bucket>/rows/*]',
      'AwsSolutions-IAM5[Resource::<bucket>/uploads/*]',
      'AwsSolutions-IAM5[Resource::<table>/index/*]',
      // The schedules of scheduled batches, one group of this stack's.
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/CampaignMailer-test-batches/*]',
      'AwsSolutions-SMG4',
    ]);
  });

  it('acknowledge nothing that is not found, nothing stack-wide, and say why each time', () => {
    const stackPath = 'CampaignMailer-test';
    for (const ack of acknowledgements) {
      expect([ack, raw.some((finding) => covers(ack, finding))]).toEqual([ack, true]);
      expect(ack.path.startsWith(`${stackPath}/`)).toBe(true);
      expect(ack.path.split('/').length).toBeGreaterThanOrEqual(3);
      expect(ack.reason.length).toBeGreaterThan(60);
    }
  });

  it('acknowledge API authorization on each route, the public ones with their own reason', () => {
    const routes = acknowledgements.filter((ack) => ack.rule === 'AwsSolutions-APIG4');
    const publicRoutes = [
      'GET--health',
      'GET--openapi.json',
      'GET--docs',
      'GET--docs--{asset}',
      'GET--unsubscribe--{token}',
      'POST--unsubscribe--{token}',
    ];
    expect(routes.map((ack) => ack.path.replace(/^.*\/HttpApi\//, '')).sort()).toEqual(
      [
        ...publicRoutes,
        'GET--graphql',
        'GET--campaigns--{batchId}',
        'POST--campaigns--{batchId}--pause',
        'POST--campaigns--{batchId}--resume',
        'POST--campaigns--{batchId}--cancel',
        'POST--campaigns--{batchId}--schedule',
        'POST--campaigns--upload',
        'POST--campaigns--uploads',
        'POST--graphql',
        'GET--suppressions',
        'PUT--suppressions--{email}',
        'DELETE--suppressions--{email}',
        'POST--suppressions--import',
      ].sort(),
    );
    for (const ack of routes) {
      expect(ack.reason).toMatch(
        publicRoutes.some((route) => ack.path.endsWith(route)) ? /public by design/ : /API keys are checked/,
      );
    }
  });

  it('run on every synth and fail it on a finding nobody acknowledged', () => {
    const unguarded = buildApp();
    const stack = createMailerStack(unguarded);
    // Encrypted but open to plain HTTP, and no dead-letter queue: AwsSolutions-SQS3 and SQS4.
    new Queue(stack, 'Unguarded', { encryption: QueueEncryption.SQS_MANAGED });
    let message = '';
    try {
      unguarded.synth();
    } catch (error) {
      message = error instanceof Error ? error.message : String(error);
    }
    // In memory (as under vitest) the error carries the report; under the CLI it names the report file.
    const reportPath = /found in: (\S+)/.exec(message)?.[1];
    const report = reportPath ? readFileSync(reportPath, 'utf8') : message;
    expect(report).toContain('AwsSolutions-SQS4');
    expect(report).toContain('CampaignMailer-test/Unguarded/Resource');
  });
});
