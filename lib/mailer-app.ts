import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readMailerConfig } from './mailer-config.js';
import { MailerStack, stackName } from './mailer-stack.js';

/**
 * Builds the stack from the app's context, with the cdk-nag AwsSolutions checks registered as a
 * validation plugin: every synth (the CLI's and the tests') fails on an unacknowledged error finding,
 * and lists warnings in the cloud assembly's validation report. Shared by bin/app.ts and the tests.
 */
export function createMailerStack(app: App): MailerStack {
  const { settings, env } = readMailerConfig(app.node);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return new MailerStack(app, stackName(settings.stage), {
    settings,
    description: `Campaign mailer (${settings.stage}): CSV upload, DynamoDB, SQS, SES v2, GraphQL`,
    ...(env ? { env } : {}),
  });
}
