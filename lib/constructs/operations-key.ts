import { ArnFormat, Duration, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

export interface OperationsKeyProps {
  readonly stage: string;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The customer-managed KMS key of the stack's operational data: the log groups (function logs and
 * API access logs, which hold client IPs and masked addresses) and the alarm topic. One key rather
 * than one per use: they hold data of the same sensitivity, read by the same operators, and each key
 * costs a monthly fee. Its policy lets CloudWatch Logs use it for this account's log groups in this
 * region only; nothing else but the account's IAM principals (through their own policies) can.
 */
export class OperationsKey extends Construct {
  readonly key: Key;

  constructor(scope: Construct, id: string, props: OperationsKeyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new Key(this, 'Key', {
      description: `Campaign mailer (${props.stage}): log groups and alarm notifications`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
      pendingWindow: Duration.days(30),
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchLogsOfThisAccount',
        principals: [new ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
  }

  /**
   * Lets CloudWatch alarms publish to a topic encrypted with this key (the AWS-managed SNS key cannot
   * be shared with CloudWatch, which is why the topic needs a customer-managed key at all). This is
   * the statement AWS documents, without conditions: CloudWatch's calls to KMS carry no source
   * account or alarm to condition on, and which alarms may publish is decided by the topic's policy.
   */
  allowAlarmNotifications(): void {
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmNotifications',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
  }
}
