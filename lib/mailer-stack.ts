import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Api, GRAPHQL_PATH } from './constructs/api.js';
import { Functions } from './constructs/functions.js';
import { Queueing } from './constructs/queueing.js';
import { Storage } from './constructs/storage.js';
import type { MailerSettings } from './mailer-config.js';

export interface MailerStackProps extends StackProps {
  readonly settings: MailerSettings;
}

export const stackName = (stage: string): string => `CampaignMailer-${stage}`;

/** The whole pipeline: upload API → table + queue → sender → SES, plus queries and the sweeper. */
export class MailerStack extends Stack {
  readonly storage: Storage;
  readonly queueing: Queueing;
  readonly functions: Functions;
  readonly api: Api;

  constructor(scope: Construct, id: string, props: MailerStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const removalPolicy = settings.devStack ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.storage = new Storage(this, 'Storage', { removalPolicy });
    this.queueing = new Queueing(this, 'Queueing', { stage: settings.stage });
    this.functions = new Functions(this, 'Functions', {
      table: this.storage.table,
      queue: this.queueing.queue,
      deadLetterQueue: this.queueing.deadLetterQueue,
      settings,
      removalPolicy,
    });
    this.api = new Api(this, 'Api', {
      stage: settings.stage,
      ingest: this.functions.ingest.fn,
      graphql: this.functions.graphql.fn,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the HTTP API' });
    new CfnOutput(this, 'GraphqlUrl', {
      value: `${this.api.url}${GRAPHQL_PATH}`,
      description: 'GraphQL endpoint',
    });
    new CfnOutput(this, 'TableName', { value: this.storage.table.tableName });
    new CfnOutput(this, 'QueueUrl', { value: this.queueing.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: this.queueing.deadLetterQueue.queueUrl,
      description: 'Sends that failed 3 receives; drain after fixing the cause',
    });
  }
}
