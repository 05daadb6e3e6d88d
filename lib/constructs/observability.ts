import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE, SES_EVENT_TYPE_DIMENSION } from '../../lambdas/contract/metric-names.js';
import {
  EVENTS_QUEUE,
  PRIORITY_SEND_QUEUE,
  SEND_QUEUE,
  WRITE_QUEUE,
} from '../../lambdas/contract/queue-settings.js';
import { SES_EVENT_TYPES, type SesEventType } from '../../lambdas/contract/ses-event-types.js';
import type { MailerSettings } from '../mailer-config.js';
import type { OperationsKey } from './operations-key.js';
import type { ProjectFunction } from './project-function.js';

/** The window of the rate-style alarms: long enough for SQS's and Lambda's 1-minute metrics to settle. */
export const ALARM_PERIOD = Duration.minutes(5);
/** The failed-email share is judged over a longer window, on enough sends to mean something. */
export const FAILED_EMAILS_PERIOD = Duration.minutes(15);
export const FAILED_EMAILS_MIN_VOLUME = 20;
/** SES updates its reputation metrics a few times an hour: a shorter window would see no data. */
export const REPUTATION_PERIOD = Duration.hours(1);

export interface ObservabilityProps {
  readonly stage: string;
  readonly settings: Pick<
    MailerSettings,
    | 'alarmEmail'
    | 'maxQueueAgeMinutes'
    | 'sesThrottleAlarmThreshold'
    | 'failedEmailsAlarmPercent'
    | 'bounceRateAlarmPercent'
    | 'complaintRateAlarmPercent'
  >;
  readonly functions: {
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
  };
  /** The function behind POST /campaigns/uploads. */
  readonly largeUploads: { readonly uploadUrl: ProjectFunction };
  /** The function behind /docs and /openapi.json. */
  readonly docs: ProjectFunction;
  readonly queue: IQueue;
  readonly deadLetterQueue: IQueue;
  /** The send queue of `priority=high` batches and its dead-letter queue. */
  readonly priorityQueue: IQueue;
  readonly priorityDeadLetterQueue: IQueue;
  readonly writeQueue: IQueue;
  readonly writeDeadLetterQueue: IQueue;
  readonly eventsQueue: IQueue;
  readonly eventsDeadLetterQueue: IQueue;
  readonly httpApi: IHttpApi;
  readonly operationsKey: OperationsKey;
}

/**
 * Alarms on everything an operator must act on, a dashboard of the pipeline from upload to SES, and,
 * when an address is configured, an encrypted topic that mails every alarm and its recovery.
 */
export class Observability extends Construct {
  readonly alarms: Alarm[] = [];
  readonly dashboard: Dashboard;
  readonly dashboardName: string;
  readonly alarmTopic?: Topic;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const { stage, settings, functions, largeUploads, docs, queue, deadLetterQueue, httpApi } = props;
    const { writeQueue, writeDeadLetterQueue, eventsQueue, eventsDeadLetterQueue } = props;
    const { priorityQueue, priorityDeadLetterQueue } = props;
    const prefix = `campaign-mailer-${stage}`;

    const custom = (
      metricName: string,
      service: string,
      statistic: string = Stats.SUM,
      period = ALARM_PERIOD,
    ) =>
      new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service }, statistic, period });
    const sum = { statistic: Stats.SUM, period: ALARM_PERIOD };
    const max = { statistic: Stats.MAXIMUM, period: ALARM_PERIOD };

    const alarm = (
      id: string,
      metric: IMetric,
      threshold: number,
      description: string,
      comparisonOperator = ComparisonOperator.GREATER_THAN_THRESHOLD,
    ): Alarm => {
      const created = new Alarm(this, id, {
        // DeadLetterQueueNotEmpty → campaign-mailer-<stage>-dead-letter-queue-not-empty
        alarmName: `${prefix}-${id.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`,
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator,
        evaluationPeriods: 1,
        // No data means no traffic (or an idle queue), which is not a fault.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      this.alarms.push(created);
      return created;
    };

    alarm(
      'DeadLetterQueueNotEmpty',
      deadLetterQueue.metricApproximateNumberOfMessagesVisible(max),
      0,
      `Messages reached the dead-letter queue after ${SEND_QUEUE.maxReceiveCount} receives; the sender marked their sends ERROR "retries exhausted". Fix the cause, then redrive them (README, Operating on AWS).`,
    );
    alarm(
      'SendQueueOldestMessage',
      queue.metricApproximateAgeOfOldestMessage(max),
      settings.maxQueueAgeMinutes * 60,
      `A message has waited on the send queue for more than ${settings.maxQueueAgeMinutes} minutes: the sender is failing, throttled or capped too low for the backlog.`,
    );
    alarm(
      'PriorityDeadLetterQueueNotEmpty',
      priorityDeadLetterQueue.metricApproximateNumberOfMessagesVisible(max),
      0,
      `Messages of priority=high batches reached their dead-letter queue after ${PRIORITY_SEND_QUEUE.maxReceiveCount} receives; the sender marked their sends ERROR "retries exhausted". Fix the cause, then redrive them (README, Operating on AWS).`,
    );
    alarm(
      'PrioritySendQueueOldestMessage',
      priorityQueue.metricApproximateAgeOfOldestMessage(max),
      settings.maxQueueAgeMinutes * 60,
      `A message of a priority=high batch has waited for more than ${settings.maxQueueAgeMinutes} minutes: the sender is failing, throttled, or high-priority batches alone exceed their share of the send rate.`,
    );
    alarm(
      'SenderErrors',
      functions.sender.fn.metricErrors(sum),
      0,
      'The sender function failed invocations (a crash or timeout, not a rejected mail); see its log group.',
    );
    alarm(
      'SenderLambdaThrottles',
      functions.sender.fn.metricThrottles(sum),
      0,
      'Lambda throttled the sender: the account or region is out of concurrency.',
    );
    alarm(
      'SesThrottles',
      custom(METRIC.sesThrottles, functions.sender.serviceName),
      settings.sesThrottleAlarmThreshold,
      `SES answered with throttling more than ${settings.sesThrottleAlarmThreshold} times in 5 minutes: lower senderMaxConcurrency or ask for a higher SES send rate.`,
    );
    alarm(
      'EmailsFailed',
      new MathExpression({
        label: 'Failed emails (%)',
        expression: `IF(FILL(sent, 0) + FILL(failed, 0) >= ${FAILED_EMAILS_MIN_VOLUME}, 100 * FILL(failed, 0) / (FILL(sent, 0) + FILL(failed, 0)), 0)`,
        usingMetrics: {
          sent: custom(METRIC.emailsSent, functions.sender.serviceName, Stats.SUM, FAILED_EMAILS_PERIOD),
          failed: custom(METRIC.emailsFailed, functions.sender.serviceName, Stats.SUM, FAILED_EMAILS_PERIOD),
        },
        period: FAILED_EMAILS_PERIOD,
      }),
      settings.failedEmailsAlarmPercent,
      `More than ${settings.failedEmailsAlarmPercent}% of the emails finished in 15 minutes (at least ${FAILED_EMAILS_MIN_VOLUME}) failed: a bad list, an unverified sender or SES rejecting; the sender reputation is at stake.`,
    );
    // SES's own measure of the account, what it reviews and pauses an account on (a fraction, 0 to 1):
    // the batch's rates are in GraphQL, this is the whole account's over SES's window.
    const reputation = (metricName: string) =>
      new Metric({ namespace: 'AWS/SES', metricName, statistic: Stats.MAXIMUM, period: REPUTATION_PERIOD });
    alarm(
      'AccountBounceRate',
      reputation('Reputation.BounceRate'),
      settings.bounceRateAlarmPercent / 100,
      `The account's bounce rate passed ${settings.bounceRateAlarmPercent}%: SES reviews an account above 5% and may pause its sending above 10%. Find the batches with the highest bounceRate (GraphQL) and clean their lists; hard-bounced addresses are already suppressed.`,
    );
    alarm(
      'AccountComplaintRate',
      reputation('Reputation.ComplaintRate'),
      settings.complaintRateAlarmPercent / 100,
      `The account's complaint rate passed ${settings.complaintRateAlarmPercent}%: SES reviews an account above 0.1% and may pause it above 0.5%, and Gmail and Yahoo filter bulk senders above 0.3%. Check who was mailed and whether they asked for it; complainers are already suppressed.`,
    );
    alarm(
      'BatchPausedByGuardrail',
      custom(METRIC.batchesPausedByGuardrail, 'events'),
      0,
      'The guardrail paused a batch: its bounce or complaint rate passed maxBounceRatePercent or maxComplaintRatePercent. See its stateChanges (GraphQL) for the rate, check the list, and resume it deliberately (POST /campaigns/{batchId}/resume) or cancel it.',
    );
    alarm(
      'SweeperErrors',
      functions.sweeper.fn.metricErrors(sum),
      0,
      'The sweeper failed: stuck sends are not being recovered until it runs again successfully.',
    );
    // A file refused as a whole (bad header, nothing sendable, too large) is recorded with the batch and
    // is not an error; only a crash, a timeout or AWS failing counts here, and SQS hands the file out again.
    alarm(
      'WriterErrors',
      functions.writer.fn.metricErrors(sum),
      0,
      'The writer failed on a file (a crash, a timeout or an AWS error, not a refused file); SQS hands the file out again and the writer resumes from its checkpoint. See its log group.',
    );
    alarm(
      'WriteDeadLetterQueueNotEmpty',
      writeDeadLetterQueue.metricApproximateNumberOfMessagesVisible(max),
      0,
      `The writer failed on a file ${WRITE_QUEUE.maxReceiveCount} times: the batch stays WRITING (GET /campaigns/{batchId}) with the sends written so far queued. Fix the cause, then redrive the message (README, Operating on AWS); the writer resumes without writing a send twice.`,
    );
    alarm(
      'WriteQueueOldestMessage',
      writeQueue.metricApproximateAgeOfOldestMessage(max),
      settings.maxQueueAgeMinutes * 60,
      `An uploaded file has waited for the writer for more than ${settings.maxQueueAgeMinutes} minutes: the writer is failing or Lambda is out of concurrency.`,
    );
    alarm(
      'EventsDeadLetterQueueNotEmpty',
      eventsDeadLetterQueue.metricApproximateNumberOfMessagesVisible(max),
      0,
      `SES events reached the events dead-letter queue after ${EVENTS_QUEUE.maxReceiveCount} receives: a malformed event (not from SES, no sendId tag), or the events function failing (see its log group). Their sends keep their status until the events are redriven (README, Operating on AWS).`,
    );
    // The upload-url and docs functions answer through the API, whose 5xx alarm below covers them.
    alarm(
      'Api5xx',
      httpApi.metricServerError(sum),
      0,
      'The HTTP API answered 5xx: a function failed or timed out; see the API access logs and the function logs.',
    );

    if (settings.alarmEmail) {
      props.operationsKey.allowAlarmNotifications();
      this.alarmTopic = new Topic(this, 'AlarmTopic', {
        displayName: `Campaign mailer (${stage}) alarms`,
        masterKey: props.operationsKey.key,
        enforceSSL: true,
      });
      // enforceSSL gives the topic a policy of its own, which replaces SNS's default one: the stack's
      // alarms (and only they) need an explicit grant to publish.
      this.alarmTopic.addToResourcePolicy(
        new PolicyStatement({
          sid: 'AlarmsOfThisStack',
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['sns:Publish'],
          resources: [this.alarmTopic.topicArn],
          conditions: {
            ArnLike: {
              'aws:SourceArn': Stack.of(this).formatArn({
                service: 'cloudwatch',
                resource: 'alarm',
                resourceName: `${prefix}-*`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            },
          },
        }),
      );
      this.alarmTopic.addSubscription(new EmailSubscription(settings.alarmEmail));
      const action = new SnsAction(this.alarmTopic);
      for (const each of this.alarms) {
        each.addAlarmAction(action);
        each.addOkAction(action);
      }
    }

    const all = [
      functions.uploadApi,
      functions.writer,
      functions.campaigns,
      functions.sender,
      functions.sweeper,
      functions.events,
      functions.graphql,
      functions.suppressions,
      functions.health,
      functions.unsubscribe,
      largeUploads.uploadUrl,
      docs,
    ];
    const graph = (title: string, left: IMetric[], right: IMetric[] = [], width = 8) =>
      new GraphWidget({ title, left, right, width, height: 6 });
    const ingest = functions.uploadApi.serviceName;
    const writer = functions.writer.serviceName;
    const sender = functions.sender.serviceName;
    /** One function at a glance: invocations and errors, duration p95 on the right axis. */
    const functionGraph = (title: string, f: ProjectFunction, invocations: string) =>
      graph(
        title,
        [
          f.fn.metricInvocations({ ...sum, label: invocations }),
          f.fn.metricErrors({ ...sum, label: 'Errors' }),
        ],
        [f.fn.metricDuration({ statistic: Stats.p(95), period: ALARM_PERIOD, label: 'Duration p95 (ms)' })],
      );

    this.dashboardName = `CampaignMailer-${stage}`;
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: this.dashboardName,
      defaultInterval: Duration.hours(3),
    });
    this.dashboard.addWidgets(
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24, height: 4 }),
    );
    this.dashboard.addWidgets(
      graph('Uploads', [
        functions.uploadApi.fn.metricInvocations({ ...sum, label: 'Uploads' }),
        functions.writer.fn.metricInvocations({ ...sum, label: 'Writer runs (continuations included)' }),
      ]),
      graph('Rows', [
        custom(METRIC.rowsAccepted, ingest).with({ label: 'Accepted' }),
        custom(METRIC.rowsRejected, ingest).with({ label: 'Rejected (invalid or duplicate)' }),
        custom(METRIC.rowsAccepted, writer).with({ label: 'Accepted (large files)' }),
        custom(METRIC.rowsRejected, writer).with({ label: 'Rejected (large files)' }),
      ]),
      graph('Emails', [
        custom(METRIC.emailsSent, sender).with({ label: 'Sent' }),
        custom(METRIC.emailsFailed, sender).with({ label: 'Failed' }),
        custom(METRIC.emailsSuppressed, sender).with({ label: 'Suppressed (not mailed)' }),
        custom(METRIC.emailsCancelled, sender).with({ label: 'Cancelled (not mailed)' }),
        custom(METRIC.sendsHeld, sender).with({ label: 'Held (batch paused)' }),
        custom(METRIC.batchesPausedByGuardrail, 'events').with({ label: 'Batches paused by the guardrail' }),
      ]),
    );
    this.dashboard.addWidgets(
      graph('SES latency (ms)', [
        custom(METRIC.sesLatency, sender, Stats.p(50)).with({ label: 'p50' }),
        custom(METRIC.sesLatency, sender, Stats.p(95)).with({ label: 'p95' }),
      ]),
      graph('Throttles', [
        custom(METRIC.sesThrottles, sender).with({ label: 'SES throttling answers' }),
        functions.sender.fn.metricThrottles({ ...sum, label: 'Sender Lambda throttles' }),
        custom(METRIC.sendsDeferred, sender).with({ label: 'Sends deferred (no time left to pace)' }),
      ]),
      graph(
        'Send queue',
        [
          queue.metricApproximateNumberOfMessagesVisible({ ...max, label: 'Waiting' }),
          queue.metricApproximateNumberOfMessagesNotVisible({ ...max, label: 'In flight' }),
          priorityQueue.metricApproximateNumberOfMessagesVisible({ ...max, label: 'High priority waiting' }),
          priorityQueue.metricApproximateNumberOfMessagesNotVisible({
            ...max,
            label: 'High priority in flight',
          }),
        ],
        [
          queue.metricApproximateAgeOfOldestMessage({ ...max, label: 'Oldest message (s)' }),
          priorityQueue.metricApproximateAgeOfOldestMessage({
            ...max,
            label: 'Oldest high-priority message (s)',
          }),
        ],
      ),
    );
    this.dashboard.addWidgets(
      graph('Dead-letter queue', [
        deadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...max, label: 'Messages to redrive' }),
        priorityDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
          ...max,
          label: 'High-priority messages to redrive',
        }),
      ]),
      graph(
        'Lambda errors',
        all.map((f) => f.fn.metricErrors({ ...sum, label: f.serviceName })),
      ),
      graph(
        'Lambda duration p95 (ms)',
        all.map((f) =>
          f.fn.metricDuration({ statistic: Stats.p(95), period: ALARM_PERIOD, label: f.serviceName }),
        ),
      ),
    );
    this.dashboard.addWidgets(
      graph(
        'API requests',
        [
          httpApi.metricCount({ ...sum, label: 'Requests' }),
          httpApi.metricClientError({ ...sum, label: '4xx' }),
          httpApi.metricServerError({ ...sum, label: '5xx' }),
        ],
        [],
        12,
      ),
      graph(
        'API latency (ms)',
        [
          httpApi.metricLatency({ statistic: Stats.p(50), period: ALARM_PERIOD, label: 'p50' }),
          httpApi.metricLatency({ statistic: Stats.p(95), period: ALARM_PERIOD, label: 'p95' }),
          httpApi.metricIntegrationLatency({
            statistic: Stats.p(95),
            period: ALARM_PERIOD,
            label: 'Integration p95',
          }),
        ],
        [],
        12,
      ),
    );
    this.dashboard.addWidgets(
      functionGraph('Writer', functions.writer, 'Runs (continuations included)'),
      graph(
        'Write queue',
        [
          writeQueue.metricApproximateNumberOfMessagesVisible({ ...max, label: 'Files waiting' }),
          writeQueue.metricApproximateNumberOfMessagesNotVisible({ ...max, label: 'Files being written' }),
          writeDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
            ...max,
            label: 'Files to redrive',
          }),
        ],
        [writeQueue.metricApproximateAgeOfOldestMessage({ ...max, label: 'Oldest message (s)' })],
      ),
      functionGraph('Upload URLs', largeUploads.uploadUrl, 'Requests'),
    );
    this.dashboard.addWidgets(
      functionGraph('Campaigns', functions.campaigns, 'Requests'),
      functionGraph('Docs', docs, 'Requests'),
      functionGraph('Suppression list', functions.suppressions, 'Requests'),
    );
    const events = functions.events.serviceName;
    this.dashboard.addWidgets(
      graph(
        'SES events',
        (Object.keys(SES_EVENT_TYPES) as SesEventType[]).map((type) =>
          new Metric({
            namespace: METRICS_NAMESPACE,
            metricName: METRIC.sesEvents,
            dimensionsMap: { service: events, [SES_EVENT_TYPE_DIMENSION]: type },
            statistic: Stats.SUM,
            period: ALARM_PERIOD,
          }).with({ label: type }),
        ),
      ),
      graph('Suppressions and unknown sends', [
        custom(METRIC.suppressionsAdded, events).with({ label: 'Addresses suppressed' }),
        custom(METRIC.sesEventsUnknownSend, events).with({ label: 'Events of unknown sends' }),
      ]),
      graph(
        'Events queue',
        [
          eventsQueue.metricApproximateNumberOfMessagesVisible({ ...max, label: 'Waiting' }),
          eventsDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ ...max, label: 'To redrive' }),
        ],
        [eventsQueue.metricApproximateAgeOfOldestMessage({ ...max, label: 'Oldest message (s)' })],
      ),
    );
  }

  /** The dashboard in the CloudWatch console of the stack's region. */
  get dashboardUrl(): string {
    const region = Stack.of(this).region;
    return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${this.dashboardName}`;
  }
}
