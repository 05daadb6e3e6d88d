import { METRIC, METRICS_NAMESPACE, SES_EVENT_TYPE_DIMENSION } from '../lambdas/contract/metric-names.js';
import { EVENTS_QUEUE, SEND_QUEUE } from '../lambdas/contract/queue-settings.js';
import { SETTINGS } from '../lambdas/contract/settings.js';
import { BATCH_SHARDS, COUNTER_SHARDS } from '../lambdas/contract/table-schema.js';
import { SUPPRESSION_LIST_PARTITION } from '../lambdas/core/store/item-keys.js';
import type { DynamoCall, S3Call, SqsCall } from './capacity-meter.js';
import {
  type CampaignSample,
  eventPayerOf,
  isEventsPayer,
  PAYERS,
  SQS_MAX_MESSAGES_PER_CALL,
} from './cost-campaign.js';
import { assumed, dollarsOf } from './cost-prices.js';
import { EVENTS_PER_MAIL, FED_EVENT_TYPES, type FedEventType } from './cost-ses-events.js';
import {
  logRetentionDays,
  memoryMbOf,
  pitrEnabled,
  sweepIntervalSeconds,
  uploadRetentionDays,
} from './stack-figures.js';

/**
 * From one metered sample campaign to dollars per `recipients` (1M), excluding SES. Every quantity the
 * sample counted is put in one of three classes, and scaled by its own count:
 * - per send: what each recipient causes (its send item and index entries, counter moves, its queue
 *   message, its share of chunks, checkpoints and sender invocations, the reconciliation's reads of it);
 *   scaled by recipients ÷ sample recipients;
 * - per file: what each uploaded file causes once (its batch record, file record, writer state claim and
 *   finish, batch start, the S3 event, the upload's PUT); a campaign of 1M recipients is several files
 *   when 1M rows exceed MAX_LARGE_UPLOAD_BYTES (1 GiB): scaled by the files it takes;
 * - per sweeper run while the campaign is open: the scheduled sweeper reads each open batch every run;
 *   scaled by the runs during the campaign (its duration at the send rate) × the files open.
 * - per SES event: SES publishes a Send and a Delivery event for every mail, a Bounce instead of the
 *   Delivery for a share of them, a Complaint after it for another (cost-ses-events.ts), each handled by
 *   the events function; what one event of a type causes (its send read and written, a suppression) is
 *   scaled by the events of that type 1M mails get ÷ those of the sample, what the events cause together
 *   (EventBridge's puts, the receives, deletes and invocations, the counter moves written per invocation)
 *   by all the events, the guardrail's reads by the bounces and complaints.
 * The rate enters through the campaign's duration (sweeper runs, X-Ray sampling, log volume), the
 * sender's billed time (see senderModel) and the events per events invocation (eventsPerInvocationAt).
 */

export const RECIPIENTS = 1_000_000;

export type Scale = 'send' | 'file' | 'sweep' | 'event' | FedEventType | 'bounce or complaint';

/** SES events 1M mails get, per mail, of every type. */
const EVENTS_PER_MAIL_ALL = FED_EVENT_TYPES.reduce((total, type) => total + EVENTS_PER_MAIL[type], 0);

const sampleEventsOf = (sample: CampaignSample) =>
  FED_EVENT_TYPES.reduce((total, type) => total + sample.sesEvents[type], 0);

/** How many of each class's units the sample holds (sends, files, runs, events of each type…). */
export function sampleUnits(sample: CampaignSample): Record<Scale, number> {
  return {
    send: sample.accepted,
    file: 1,
    sweep: 1,
    event: sampleEventsOf(sample),
    ...sample.sesEvents,
    'bounce or complaint': sample.sesEvents.Bounce + sample.sesEvents.Complaint,
  };
}

/**
 * What one sample unit of each class is on AWS per recipient, for the classes that grow with the
 * recipients (0 for a class the sample has none of, e.g. complaints in a sample under 1,000).
 */
export function perRecipient(sample: CampaignSample): Record<Exclude<Scale, 'file' | 'sweep'>, number> {
  const units = sampleUnits(sample);
  const per = (awsPerMail: number, inSample: number) => (inSample === 0 ? 0 : awsPerMail / inSample);
  return {
    send: 1 / sample.accepted,
    event: per(EVENTS_PER_MAIL_ALL, units.event),
    Send: per(EVENTS_PER_MAIL.Send, units.Send),
    Delivery: per(EVENTS_PER_MAIL.Delivery, units.Delivery),
    Bounce: per(EVENTS_PER_MAIL.Bounce, units.Bounce),
    Complaint: per(EVENTS_PER_MAIL.Complaint, units.Complaint),
    'bounce or complaint': per(
      EVENTS_PER_MAIL.Bounce + EVENTS_PER_MAIL.Complaint,
      units['bounce or complaint'],
    ),
  };
}

/** What each class's counted quantities are multiplied by, for `recipients`. */
export function scaleFactors(
  sample: CampaignSample,
  recipients: number,
  files: number,
  sweeperRuns: number,
): Record<Scale, number> {
  const per = perRecipient(sample);
  return {
    ...(Object.fromEntries(Object.entries(per).map(([scale, p]) => [scale, p * recipients])) as Record<
      keyof typeof per,
      number
    >),
    file: files,
    sweep: sweeperRuns * files,
  };
}

const EVENT_PAYER_SCALES = new Map<string, Scale>([
  [PAYERS.events, 'event'],
  [PAYERS.eventsGuardrail, 'bounce or complaint'],
  ...FED_EVENT_TYPES.map((type): [string, Scale] => [eventPayerOf(type), type]),
]);

const KIND_PER_SEND = /\b(send|counter shard|writer state checkpoint)\b/;

/** The class of a DynamoDB call. */
export function dynamoScale(call: Pick<DynamoCall, 'payer' | 'step'>): Scale {
  const events = EVENT_PAYER_SCALES.get(call.payer);
  if (events !== undefined) return events;
  if (call.payer === PAYERS.sweeperOpen) return 'sweep';
  if (call.payer === PAYERS.sweeperFinish)
    return /send shard|BatchGetItem send/.test(call.step) ? 'send' : 'file';
  if (call.payer === PAYERS.sender) return call.step.includes('batch start') ? 'file' : 'send';
  if (call.payer === PAYERS.writer) return KIND_PER_SEND.test(call.step) ? 'send' : 'file';
  return 'file';
}

export function sqsScale(call: Pick<SqsCall, 'payer' | 'queue'>): Scale {
  if (call.payer === PAYERS.sweeperOpen) return 'sweep';
  if (call.queue === EVENTS_QUEUE.name) return 'event';
  return call.queue === SEND_QUEUE.name ? 'send' : 'file';
}

export function s3Scale(call: Pick<S3Call, 'payer' | 'key'>): Scale {
  return call.key.startsWith('rows/') ? 'send' : 'file';
}

/** What the rate does to the campaign. */
export interface RateModel {
  sendsPerSecond: number;
  /** Seconds from the first send to the last. */
  campaignSeconds: number;
  /** Sender invocations at once (SENDER_MAX_CONCURRENCY) the rate needs: at least the stack's 2. */
  senderConcurrency: number;
  /** Milliseconds of work per send on AWS: SES, the DynamoDB calls, the chunk reads. */
  workMsPerSend: number;
  /** Milliseconds a sender is billed per send: its pacing interval or its work, whichever is longer. */
  billedMsPerSend: number;
  senderInvocations: number;
  /** Messages per sender invocation. */
  batchFullness: number;
  sweeperRuns: number;
  /** Sender invocations X-Ray records under Lambda's default sampling. */
  senderTraces: number;
}

/** What reaches one of the event source's pollers of the events queue each second at a send rate. */
const eventsPerPollerSecond = (sendsPerSecond: number) =>
  (sendsPerSecond * EVENTS_PER_MAIL_ALL) / assumed('sqsPollersPerQueue');

/**
 * SES events per events function invocation at a send rate. Lambda's event source long-polls the events
 * queue with a few pollers, and a long poll returns at the first message waiting. Without a batching
 * window each invocation gets what reached its poller during one round (receive, invoke, delete), at least
 * one. With the stack's window (EVENTS_QUEUE.maxBatchingWindowSeconds) a poller goes on receiving until its
 * batch is full (EVENTS_QUEUE.batchSize) or the window ends, whichever comes first: at a low rate it hands
 * over what reached it during the window, at a high one full batches.
 */
export function eventsPerInvocationAt(sendsPerSecond: number): number {
  const perPollerSecond = eventsPerPollerSecond(sendsPerSecond);
  const perRound = (perPollerSecond * assumed('eventsReceiveCycleMs')) / 1000;
  const perWindow = perPollerSecond * EVENTS_QUEUE.maxBatchingWindowSeconds;
  return Math.min(EVENTS_QUEUE.batchSize, Math.max(1, Math.round(Math.max(perRound, perWindow))));
}

/**
 * SES events one ReceiveMessage of the event source returns at a send rate, while a poller gathers its
 * batch: what reached the poller during one receive's round trip, at least one and at most SQS's 10. At a
 * low rate the receives of a batch are about as many as its events; only the invocations, their counter
 * writes and the deletes (10 a request) get fewer with the window.
 */
export function eventsPerReceiveAt(sendsPerSecond: number): number {
  const perReceive = (eventsPerPollerSecond(sendsPerSecond) * assumed('sqsReceiveRoundTripMs')) / 1000;
  return Math.min(
    SQS_MAX_MESSAGES_PER_CALL,
    eventsPerInvocationAt(sendsPerSecond),
    Math.max(1, Math.round(perReceive)),
  );
}

/** Invocations of one function X-Ray traces under Lambda's default sampling, at a steady rate. */
function tracesOf(invocations: number, seconds: number): number {
  const perSecond = invocations / seconds;
  const sampledPerSecond =
    Math.min(perSecond, assumed('xrayReservoirPerSecond')) +
    assumed('xrayFixedRate') * Math.max(0, perSecond - assumed('xrayReservoirPerSecond'));
  return sampledPerSecond * seconds;
}

/** What SES's events of the campaign cost, as they are counted per send (cost-ses-events.ts's shares). */
export interface EventsCost {
  /** Events 1M mails get, of every type. */
  events: number;
  eventsPerInvocation: number;
  invocations: number;
  /** DynamoDB calls of the events function, in all. */
  dynamoCalls: number;
  writeUnits: number;
  readUnits: number;
  sqsRequests: number;
  /** EventBridge events (SES's, to the default bus: free). */
  eventBridgeEvents: number;
  gbSeconds: number;
  traces: number;
  logGb: number;
  /** Dollars of the events' lines. */
  dollars: number;
}

export interface CostLine {
  component: string;
  /** The quantity billed, with its unit. */
  quantity: number;
  unit: string;
  dollars: number;
}

export interface CaseCost {
  name: string;
  sample: CampaignSample;
  rate: RateModel;
  files: number;
  rowsPerFile: number;
  lines: CostLine[];
  total: number;
  /**
   * Write units per send (table, index, all) and read units per send of the send's path (upload, writer,
   * sender, sweeper): the per-send class, SES's events apart.
   */
  perSend: { tableWrites: number; indexWrites: number; writeUnits: number; readUnits: number };
  /** SES's events' own cost (also in `lines` and `total`). */
  events: EventsCost;
}

const GIB = 1024 ** 3;
const sum = <T>(items: readonly T[], of: (item: T) => number) => items.reduce((s, i) => s + of(i), 0);

/** Bytes of the metrics documents (embedded metric format) the functions write. */
export interface EmfBytes {
  /** A sender invocation's, of a full batch. */
  sender: number;
  /** One of the events function's, per event type per invocation (a single metric with its dimension). */
  eventsDocument: number;
}

/** Bytes of one document of the events function: SesEvents of one eventType (cloudwatch-event-metrics.ts). */
export async function eventsEmfBytes(): Promise<number> {
  const { Metrics, MetricUnit } = await import('@aws-lambda-powertools/metrics');
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'events' });
  metrics.addDimension(SES_EVENT_TYPE_DIMENSION, 'Delivery');
  metrics.addMetric(METRIC.sesEvents, MetricUnit.Count, 10);
  const bytes = Buffer.byteLength(JSON.stringify(metrics.serializeMetrics()));
  metrics.clearMetrics();
  return bytes;
}

/** Bytes of the embedded-metric-format document a sender invocation of `sends` sends emits. */
export async function senderEmfBytes(sends: number): Promise<number> {
  const { Metrics, MetricUnit } = await import('@aws-lambda-powertools/metrics');
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'sender' });
  for (let i = 0; i < sends; i++) {
    metrics.addMetric(METRIC.emailsSent, MetricUnit.Count, 1);
    metrics.addMetric(METRIC.sesLatency, MetricUnit.Milliseconds, assumed('sesLatencyMs'));
  }
  const bytes = Buffer.byteLength(JSON.stringify(metrics.serializeMetrics()));
  metrics.clearMetrics();
  return bytes;
}

/**
 * The sender's time on AWS. Per send it claims, counts, looks the address up on the suppression list,
 * calls SES, marks SENT and counts again, one after the other (deliver-send.ts), plus its share of chunk
 * reads: its work. Pacing spaces one
 * sender's SES calls concurrency ÷ rate apart (send-pacer.ts), and the sender sleeps through the gap,
 * billed. So a send costs max(interval, work) of one 256 MB sender, and the rate needs at least
 * rate × work ÷ 1000 senders at once to be reached (SENDER_MAX_CONCURRENCY; the stack's least is 2).
 */
export function senderModel(sample: CampaignSample, sendsPerSecond: number, recipients: number): RateModel {
  const n = sample.accepted;
  const senderCalls = sample.dynamo.filter((c) => c.payer === PAYERS.sender).length / n;
  const chunkReads = sample.s3.filter((c) => c.payer === PAYERS.sender).length / n;
  const workMsPerSend =
    assumed('sesLatencyMs') +
    senderCalls * assumed('dynamoLatencyMs') +
    chunkReads * assumed('s3GetLatencyMs');
  const senderConcurrency = Math.max(2, Math.ceil((sendsPerSecond * workMsPerSend) / 1000));
  const billedMsPerSend = Math.max((1000 * senderConcurrency) / sendsPerSecond, workMsPerSend);
  const campaignSeconds = recipients / sendsPerSecond;
  const sampleInvocations = sample.invocations.filter((i) => i.payer === PAYERS.sender).length;
  const batchFullness = n / sampleInvocations;
  const senderInvocations = recipients / batchFullness;
  const sweeperRuns = Math.ceil(campaignSeconds / sweepIntervalSeconds()) + 1;
  return {
    sendsPerSecond,
    campaignSeconds,
    senderConcurrency,
    workMsPerSend,
    billedMsPerSend,
    senderInvocations,
    batchFullness,
    sweeperRuns,
    // Lambda's default sampling: the first request each second, then 5 % of the others.
    senderTraces: tracesOf(senderInvocations, campaignSeconds),
  };
}

/** Dollars per `recipients` recipients for one sample at one rate. */
export function costOf(
  name: string,
  sample: CampaignSample,
  sendsPerSecond: number,
  emf: EmfBytes,
  recipients = RECIPIENTS,
): CaseCost {
  const n = sample.accepted;
  const perSend = recipients / n;
  const rowBytes = sample.csvBytes / n;
  const maxFileBytes = Number(SETTINGS.maxLargeUploadBytes.default);
  const rowsPerFile = Math.floor(maxFileBytes / rowBytes);
  const files = Math.ceil(recipients / rowsPerFile);
  const rate = senderModel(sample, sendsPerSecond, recipients);
  const factor = scaleFactors(sample, recipients, files, rate.sweeperRuns);
  // The send's path; SES's events are counted apart, at the end.
  const dynamo = sample.dynamo.filter((c) => !isEventsPayer(c.payer));
  const sqs = sample.sqs.filter((c) => c.queue !== EVENTS_QUEUE.name);
  const lines: CostLine[] = [];
  const line = (component: string, quantity: number, unit: string, dollars: number) =>
    lines.push({ component, quantity, unit, dollars });

  // DynamoDB requests.
  const writeUnits = sum(dynamo, (c) => (c.tableWriteUnits + c.indexWriteUnits) * factor[dynamoScale(c)]);
  const readUnits = sum(dynamo, (c) => c.readUnits * factor[dynamoScale(c)]);
  line('DynamoDB write units (table + index)', writeUnits, 'WRU', dollarsOf('dynamoWriteUnit', writeUnits));
  line('DynamoDB read units', readUnits, 'RRU', dollarsOf('dynamoReadUnit', readUnits));

  // DynamoDB storage for the retention period (items expire by TTL at its end), and PITR on the table.
  const retentionDays = Number(SETTINGS.retentionDays.default);
  const months = (days: number) => (days * 24) / assumed('hoursPerMonth');
  const storedScale = (kind: string) => (kind === 'send' ? perSend : files);
  const tableBytes = sum(Object.entries(sample.tableBytes), ([kind, bytes]) => bytes * storedScale(kind));
  const indexBytes = sum(Object.entries(sample.indexBytes), ([kind, bytes]) => bytes * storedScale(kind));
  const storageGbMonths = ((tableBytes + indexBytes) / GIB) * months(retentionDays);
  line(
    `DynamoDB storage, ${retentionDays} days`,
    storageGbMonths,
    'GB-month',
    dollarsOf('dynamoStorage', storageGbMonths),
  );
  const pitrGbMonths = pitrEnabled() ? (tableBytes / GIB) * months(retentionDays) : 0;
  line(
    `DynamoDB PITR, ${retentionDays} days`,
    pitrGbMonths,
    'GB-month',
    dollarsOf('dynamoPitr', pitrGbMonths),
  );

  // SQS: every request, per 64 KB of payload; receives that found nothing are the pollers' idle cost.
  const sqsRequests = sum(
    sqs.filter((c) => !c.empty),
    (c) => c.requests * factor[sqsScale(c)],
  );
  line('SQS requests', sqsRequests, 'requests', dollarsOf('sqsRequest', sqsRequests));

  // Lambda.
  const invocationsOf = (payer: string) => sample.invocations.filter((i) => i.payer === payer);
  const msPerRow = (payer: string) => sum(invocationsOf(payer), (i) => i.ms) / n;
  const gb = (id: Parameters<typeof memoryMbOf>[0]) => memoryMbOf(id) / 1024;
  const writerSecondsPerFile = (msPerRow(PAYERS.writer) * rowsPerFile) / 1000;
  // A writer stops 60 s before its 900 s and a continuation reads the file again from the start.
  const writerRuns = Math.max(1, Math.ceil(writerSecondsPerFile / 840));
  const parseSecondsPerFile = (msPerRow(PAYERS.uploadApi) * rowsPerFile) / 1000;
  const rereadSeconds = files * parseSecondsPerFile * ((writerRuns - 1) / 2);
  const lambdaSeconds = {
    uploadApi: (msPerRow(PAYERS.uploadApi) * recipients) / 1000,
    writer: (msPerRow(PAYERS.writer) * recipients) / 1000 + rereadSeconds,
    sender: (rate.billedMsPerSend * recipients) / 1000,
    sweeper:
      (sum(invocationsOf(PAYERS.sweeperOpen), (i) => i.ms) * rate.sweeperRuns * files) / 1000 +
      (msPerRow(PAYERS.sweeperFinish) * recipients) / 1000,
  };
  const gbSeconds = {
    uploadApi: lambdaSeconds.uploadApi * gb('uploadApi'),
    writer: lambdaSeconds.writer * gb('writer'),
    sender: lambdaSeconds.sender * gb('sender'),
    sweeper: lambdaSeconds.sweeper * gb('sweeper'),
  };
  const invocations = {
    uploadApi: files,
    writer: files * writerRuns,
    sender: rate.senderInvocations,
    sweeper: rate.sweeperRuns,
  };
  const allInvocations = sum(Object.values(invocations), (v) => v);
  line('Lambda requests', allInvocations, 'invocations', dollarsOf('lambdaRequest', allInvocations));
  line(
    `Lambda sender (${memoryMbOf('sender')} MB, modelled)`,
    gbSeconds.sender,
    'GB-s',
    dollarsOf('lambdaGbSecond', gbSeconds.sender),
  );
  line(
    `Lambda writer (${memoryMbOf('writer')} MB, measured)`,
    gbSeconds.writer,
    'GB-s',
    dollarsOf('lambdaGbSecond', gbSeconds.writer),
  );
  line(
    `Lambda upload API (${memoryMbOf('uploadApi')} MB, measured)`,
    gbSeconds.uploadApi,
    'GB-s',
    dollarsOf('lambdaGbSecond', gbSeconds.uploadApi),
  );
  line(
    `Lambda sweeper (${memoryMbOf('sweeper')} MB, measured)`,
    gbSeconds.sweeper,
    'GB-s',
    dollarsOf('lambdaGbSecond', gbSeconds.sweeper),
  );

  // S3: requests by tier, and storage (uploaded files for their days, chunks for the retention).
  const s3Requests = (tier: 'PUT' | 'GET') =>
    sum(
      sample.s3.filter((c) => c.tier === tier),
      (c) => factor[s3Scale(c)],
    ) + (tier === 'GET' ? files * (writerRuns - 1) : 0);
  const puts = s3Requests('PUT');
  const gets = s3Requests('GET');
  line('S3 PUT requests', puts, 'requests', dollarsOf('s3Put', puts));
  line('S3 GET requests', gets, 'requests', dollarsOf('s3Get', gets));
  const uploadGbMonths = ((sample.s3Bytes.upload * perSend) / GIB) * months(uploadRetentionDays());
  const rowsGbMonths = ((sample.s3Bytes.rows * perSend) / GIB) * months(retentionDays);
  // Server access logging: one record per request, kept 90 days by the access-log bucket's lifecycle.
  const accessLogGbMonths = (((puts + gets) * assumed('s3AccessLogRecordBytes')) / GIB) * months(90);
  const s3GbMonths = uploadGbMonths + rowsGbMonths + accessLogGbMonths;
  line(
    `S3 storage (files ${uploadRetentionDays()} d, chunks ${retentionDays} d, access logs)`,
    s3GbMonths,
    'GB-month',
    dollarsOf('s3Storage', s3GbMonths),
  );

  // X-Ray (active tracing on every function, default sampling): the other functions are invoked less
  // than once a second, so each of their invocations is traced.
  const traces = rate.senderTraces + invocations.uploadApi + invocations.writer + invocations.sweeper;
  line('X-Ray traces', traces, 'traces', dollarsOf('xrayTrace', traces));

  // CloudWatch Logs: Lambda's own lines, the functions' JSON lines with their Lambda context, the
  // sender's metrics document per invocation.
  const appLogBytes = sum(
    Object.entries(sample.logs).filter(([payer]) => !isEventsPayer(payer)),
    ([payer, logged]) => {
      const bytes = logged.bytes + logged.lines * assumed('lambdaContextBytesPerLogLine');
      if (payer === PAYERS.sweeperOpen) return bytes * rate.sweeperRuns * files;
      return bytes * (payer === PAYERS.sender ? perSend : files);
    },
  );
  const logBytes =
    allInvocations * assumed('platformLogBytesPerInvocation') + invocations.sender * emf.sender + appLogBytes;
  const logGb = logBytes / GIB;
  line('CloudWatch Logs ingested', logGb, 'GB', dollarsOf('logsIngestion', logGb));
  const logGbMonths = logGb * months(logRetentionDays());
  line(
    `CloudWatch Logs stored ${logRetentionDays()} d`,
    logGbMonths,
    'GB-month',
    dollarsOf('logsStorage', logGbMonths),
  );

  line('API Gateway (one upload request per file)', files, 'requests', dollarsOf('apiGatewayRequest', files));

  const events = eventsCostOf(sample, rate, factor, emf, recipients);
  for (const l of events.lines) lines.push(l);

  const perSendCalls = dynamo.filter((c) => dynamoScale(c) === 'send');
  return {
    name,
    sample,
    rate,
    files,
    rowsPerFile,
    lines,
    total: sum(lines, (l) => l.dollars),
    perSend: {
      tableWrites: sum(perSendCalls, (c) => c.tableWriteUnits) / n,
      indexWrites: sum(perSendCalls, (c) => c.indexWriteUnits) / n,
      writeUnits: sum(perSendCalls, (c) => c.tableWriteUnits + c.indexWriteUnits) / n,
      readUnits: sum(perSendCalls, (c) => c.readUnits) / n,
    },
    events: events.cost,
  };
}

/**
 * SES's events of the campaign (cost-ses-events.ts) through the stack: EventBridge's rule (AWS service
 * events, free) puts each on the events queue; the events function reads and writes their sends, adds
 * the suppressions, writes the counter moves once per invocation, and the guardrail reads the batch's
 * progress after a bounce or a complaint. Its time is modelled as the sender's is: its DynamoDB calls one
 * after the other.
 */
function eventsCostOf(
  sample: CampaignSample,
  rate: RateModel,
  factor: Record<Scale, number>,
  emf: EmfBytes,
  recipients: number,
): { cost: EventsCost; lines: CostLine[] } {
  const calls = sample.dynamo.filter((c) => isEventsPayer(c.payer));
  const scaled = (of: (c: DynamoCall) => number) => sum(calls, (c) => of(c) * factor[dynamoScale(c)]);
  const writeUnits = scaled((c) => c.tableWriteUnits + c.indexWriteUnits);
  const readUnits = scaled((c) => c.readUnits);
  const dynamoCalls = scaled(() => 1);
  const sqsRequests = sum(
    sample.sqs.filter((c) => c.queue === EVENTS_QUEUE.name && !c.empty),
    (c) => c.requests * factor.event,
  );
  const events = EVENTS_PER_MAIL_ALL * recipients;
  const invocations = sample.invocations.filter((i) => i.payer === PAYERS.events).length * factor.event;
  const gbSeconds = ((dynamoCalls * assumed('dynamoLatencyMs')) / 1000) * (memoryMbOf('events') / 1024);
  const traces = tracesOf(invocations, rate.campaignSeconds);
  const scaleOfPayer = (payer: string) => factor[dynamoScale({ payer, step: '' })];
  const appLogBytes = sum(
    Object.entries(sample.logs).filter(([payer]) => isEventsPayer(payer)),
    ([payer, logged]) =>
      (logged.bytes + logged.lines * assumed('lambdaContextBytesPerLogLine')) * scaleOfPayer(payer),
  );
  const logBytes =
    invocations * assumed('platformLogBytesPerInvocation') +
    sample.eventMetricDocuments * factor.event * emf.eventsDocument +
    appLogBytes;
  const logGb = logBytes / GIB;
  const logGbMonths = logGb * ((logRetentionDays() * 24) / assumed('hoursPerMonth'));
  const lines: CostLine[] = [];
  const line = (component: string, quantity: number, unit: string, dollars: number) =>
    lines.push({ component, quantity, unit, dollars });
  line('SES events: DynamoDB write units', writeUnits, 'WRU', dollarsOf('dynamoWriteUnit', writeUnits));
  line('SES events: DynamoDB read units', readUnits, 'RRU', dollarsOf('dynamoReadUnit', readUnits));
  line('SES events: SQS requests', sqsRequests, 'requests', dollarsOf('sqsRequest', sqsRequests));
  line(
    'SES events: EventBridge (AWS service events: free)',
    events,
    'events',
    dollarsOf('eventBridgeServiceEvent', events),
  );
  line('SES events: Lambda requests', invocations, 'invocations', dollarsOf('lambdaRequest', invocations));
  line(
    `SES events: Lambda events (${memoryMbOf('events')} MB, modelled)`,
    gbSeconds,
    'GB-s',
    dollarsOf('lambdaGbSecond', gbSeconds),
  );
  line('SES events: X-Ray traces', traces, 'traces', dollarsOf('xrayTrace', traces));
  line(
    `SES events: CloudWatch Logs (ingested, stored ${logRetentionDays()} d)`,
    logGb,
    'GB',
    dollarsOf('logsIngestion', logGb) + dollarsOf('logsStorage', logGbMonths),
  );
  return {
    cost: {
      events,
      eventsPerInvocation: sample.options.eventsPerInvocation,
      invocations,
      dynamoCalls,
      writeUnits,
      readUnits,
      sqsRequests,
      eventBridgeEvents: events,
      gbSeconds,
      traces,
      logGb,
      dollars: sum(lines, (l) => l.dollars),
    },
    lines,
  };
}

/** One partition key's writes when one batch is written and sent at a given rate. */
export interface KeyRate {
  space: string;
  /** The key with the batch and send ids abstracted (`S#<batch>#3`). */
  key: string;
  /** Write units per second from the per-send writes (sustained while the batch is sent). */
  unitsPerSecond: number;
  /** Write units per batch from the per-file writes (once or a few times per batch: a burst, not a rate). */
  unitsPerBatch: number;
}

const abstractKey = (key: string, batchId: string) =>
  key
    .replaceAll(batchId, '<batch>')
    .replace(/^SEND#[0-9a-f]{32}$/, 'SEND#<send> (the busiest)')
    .replace(/^FILE#[0-9a-f]{64}$/, 'FILE#<sha256>')
    .replace(/^SUPPRESSION#.*$/, 'SUPPRESSION#<address> (the busiest)');

/** The write units per recipient of a call's class, if its class grows with the recipients. */
const perRecipientOf = (sample: CampaignSample) => {
  const per = perRecipient(sample);
  return (scale: Scale): number | undefined =>
    scale === 'file' || scale === 'sweep' ? undefined : per[scale];
};

/**
 * Write units on each partition key, table and index, when one batch is written and sent at
 * `sendsPerSecond` (the writer keeping pace): the per-send writes as a rate (each key's units in the
 * sample ÷ the sample's sends × the rate), the per-file writes as units per batch. Sweeper runs while
 * the batch is open write nothing.
 */
export function keyRates(sample: CampaignSample, sendsPerSecond: number): KeyRate[] {
  const found = new Map<string, KeyRate>();
  const weightOf = perRecipientOf(sample);
  for (const call of sample.dynamo) {
    const weight = weightOf(dynamoScale(call));
    for (const write of call.partitionWrites) {
      const id = `${write.space} ${write.partition}`;
      const key = abstractKey(write.partition, sample.batchId);
      const entry = found.get(id) ?? { space: write.space, key, unitsPerSecond: 0, unitsPerBatch: 0 };
      if (weight !== undefined) entry.unitsPerSecond += write.units * weight * sendsPerSecond;
      else entry.unitsPerBatch += write.units;
      found.set(id, entry);
    }
  }
  return [...found.values()].sort(
    (a, b) => b.unitsPerSecond - a.unitsPerSecond || b.unitsPerBatch - a.unitsPerBatch,
  );
}

/**
 * The same from the key design: the per-send write units of each key class (counted, SES's events
 * included at their shares), spread evenly over the class's shards (sendIds are hashes), at
 * `sendsPerSecond`.
 */
export function designRates(sample: CampaignSample, sendsPerSecond: number) {
  const weightOf = perRecipientOf(sample);
  const unitsTo = (test: (space: string, key: string) => boolean, payer?: string) =>
    sum(
      sample.dynamo.filter((c) => payer === undefined || c.payer === payer),
      (c) =>
        (weightOf(dynamoScale(c)) ?? 0) *
        sum(
          c.partitionWrites.filter((w) => test(w.space, w.partition)),
          (w) => w.units,
        ),
    );
  const index = (space: string, key: string) => space !== 'table' && key.startsWith('S#');
  const indexPerSend = unitsTo(index);
  const writerIndexPerRow = unitsTo(index, PAYERS.writer);
  const counterPerSend = unitsTo((space, key) => space === 'table' && key.startsWith('COUNTER#'));
  const writerStatePerSend = unitsTo((space, key) => space === 'table' && key.startsWith('WRITER#'));
  const suppressionListPerSend = unitsTo(
    (space, key) => space !== 'table' && key === SUPPRESSION_LIST_PARTITION,
  );
  return {
    rows: [
      {
        key: `batch_index S#<batch>#<shard>, ${BATCH_SHARDS} shards`,
        perSend: indexPerSend,
        unitsPerSecond: (indexPerSend / BATCH_SHARDS) * sendsPerSecond,
      },
      {
        key: `table COUNTER#<batch>#<shard>, ${COUNTER_SHARDS} shards`,
        perSend: counterPerSend,
        unitsPerSecond: (counterPerSend / COUNTER_SHARDS) * sendsPerSecond,
      },
      {
        key: 'table WRITER#<batch> (a checkpoint per chunk)',
        perSend: writerStatePerSend,
        unitsPerSecond: writerStatePerSend * sendsPerSecond,
      },
      {
        key: `batch_index ${SUPPRESSION_LIST_PARTITION} (every bounce and complaint, one key)`,
        perSend: suppressionListPerSend,
        unitsPerSecond: suppressionListPerSend * sendsPerSecond,
      },
    ],
    /** The fastest the writer may write one batch before an index shard passes 1,000 units/s. */
    writerRowsPerSecondLimit:
      writerIndexPerRow > 0 ? (1000 * BATCH_SHARDS) / writerIndexPerRow : Number.POSITIVE_INFINITY,
    /** The same while the batch's senders send `sendsPerSecond` (their index writes take their share). */
    writerRowsPerSecondBesideSenders:
      writerIndexPerRow > 0
        ? ((1000 - ((indexPerSend - writerIndexPerRow) / BATCH_SHARDS) * sendsPerSecond) * BATCH_SHARDS) /
          writerIndexPerRow
        : Number.POSITIVE_INFINITY,
  };
}
