import type { App } from 'aws-cdk-lib';
import { readMailerConfig } from './mailer-config.js';
import { MailerStack, stackName } from './mailer-stack.js';

/** Builds the stack from the app's context; shared by bin/app.ts and the infrastructure tests. */
export function createMailerStack(app: App): MailerStack {
  const { settings, env } = readMailerConfig(app.node);
  return new MailerStack(app, stackName(settings.stage), {
    settings,
    description: `Campaign mailer (${settings.stage}): CSV upload, DynamoDB, SQS, SES v2, GraphQL`,
    ...(env ? { env } : {}),
  });
}
