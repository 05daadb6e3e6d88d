import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ScanCommand, type ScanCommandInput } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { SesEventType } from '../lambdas/contract/ses-event-types.js';
import { EMAIL_SENDS_TABLE } from '../lambdas/contract/table-schema.js';
import { ROWS_KEY_PREFIX, uploadKeyOf } from '../lambdas/contract/upload-object.js';
import { eventsConfig, sweeperConfig } from '../lambdas/core/config/function-config.js';
import { logger } from '../lambdas/core/observability/logger.js';
import { queueByPriority } from '../lambdas/core/queue/send-queue.js';
import { BatchControlStore } from '../lambdas/core/store/batch-control-store.js';
import { BatchProgressReader, BatchReconciler } from '../lambdas/core/store/batch-progress.js';
import { CountedSends } from '../lambdas/core/store/counted-sends.js';
import { CounterBuffer } from '../lambdas/core/store/counter-buffer.js';
import { CounterStore } from '../lambdas/core/store/counter-store.js';
import { SendReader } from '../lambdas/core/store/send-reader.js';
import { SendStore } from '../lambdas/core/store/send-store.js';
import { SuppressionStore } from '../lambdas/core/store/suppression-store.js';
import { WriterStore } from '../lambdas/core/store/writer-store.js';
import type { EventMetrics } from '../lambdas/events/event-metrics.js';
import { createEventsHandler } from '../lambdas/events/handler.js';
import { createSenderHandler } from '../lambdas/sender/handler.js';
import { createSweeperHandler } from '../lambdas/sweeper/handler.js';
import { acceptUpload } from '../lambdas/upload-api/accept-upload.js';
import { createWriterHandler } from '../lambdas/writer/handler.js';
import { lambdaContext } from '../local/lambda-context.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/local-clients.js';
import type { TakenMail } from '../local/ses-event-records.js';
import { sqsRecordOf } from '../local/sqs-event-source.js';
import type { TestAws } from '../test/helpers/aws-emulators.js';
import {
  acceptDepsFor,
  RETENTION_SECONDS,
  senderDepsFor,
  sesClientFor,
  storesOf,
  writerDepsFor,
} from '../test/helpers/send-pipeline.js';
import {
  BENCH,
  billedAs,
  type DynamoCall,
  DynamoMeter,
  itemKindOf,
  payerNow,
  type S3Call,
  S3Meter,
  type SqsCall,
  SqsMeter,
} from './capacity-meter.js';
import { type RawItem, storedBytes, type TableShape } from './capacity-units.js';
import { countByType, type FedEventType, sesEventsOf } from './cost-ses-events.js';

/** The table as the meter sees it: its key and its one index (lambdas/contract/table-schema.ts). */
export const TABLE_SHAPE: TableShape = {
  partition: EMAIL_SENDS_TABLE.partitionKey.name,
  sort: EMAIL_SENDS_TABLE.sortKey.name,
  indexes: EMAIL_SENDS_TABLE.globalIndexes.map((index) => ({
    name: index.name,
    partition: index.partitionKey.name,
    sort: index.sortKey.name,
    projection: index.projection,
  })),
};

/** Who pays for a call: a function, or the AWS service acting for the stack (S3's notification, Lambda's pollers). */
export const PAYERS = {
  uploadApi: 'upload-api',
  notification: 'S3 event notification',
  writerPoller: 'writer event source',
  writer: 'writer',
  sweeperOpen: 'sweeper (batch open)',
  senderPoller: 'sender event source',
  sender: 'sender',
  sweeperFinish: 'sweeper (batch finishing)',
  /** EventBridge's rule, putting each SES event on the events queue (a SendMessage each). */
  eventBridge: 'EventBridge rule',
  eventsPoller: 'events event source',
  /** The events function's own calls per invocation: its counter moves, summed, written as it ends. */
  events: 'events',
  /** The guardrail's reads after an invocation with a bounce or a complaint. */
  eventsGuardrail: 'events (guardrail)',
} as const;

/** The events function's calls for one SES event of `type`: its send read and written, its suppression. */
export const eventPayerOf = (type: FedEventType) => `events (${type})`;

/** Whether the events function (its invocation, an event of it, its guardrail) pays for a call. */
export const isEventsPayer = (payer: string) =>
  payer === PAYERS.events ||
  payer === PAYERS.eventsGuardrail ||
  /^events \((Send|Delivery|Bounce|Complaint)\)$/.test(payer);

/** The most messages one ReceiveMessage returns or one DeleteMessageBatch deletes. */
export const SQS_MAX_MESSAGES_PER_CALL = 10;

export type ContentKind = 'template' | 'personalised';

export interface CampaignOptions {
  recipients: number;
  content: ContentKind;
  /** Sender containers working at once (the event source's maximum concurrency). */
  senderContainers: number;
  /** INGEST_CHUNK_ROWS (its default). */
  chunkRows: number;
  /** SES events per events function invocation at the case's rate (cost-model.ts, eventsPerInvocationAt). */
  eventsPerInvocation: number;
  /** SES events per ReceiveMessage while an invocation's batch is gathered (cost-model.ts, eventsPerReceiveAt). */
  eventsPerReceive: number;
  /** The case's send rate: SES publishes the sample's events at its pace (feedSesEvents). */
  sendsPerSecond: number;
}

export interface Invocation {
  payer: string;
  ms: number;
  records: number;
}

export interface CampaignSample {
  options: CampaignOptions;
  batchId: string;
  csvBytes: number;
  accepted: number;
  chunks: number;
  dynamo: DynamoCall[];
  sqs: SqsCall[];
  s3: S3Call[];
  invocations: Invocation[];
  /** Bytes and lines the functions' logger wrote (Powertools JSON lines), by payer. */
  logs: Record<string, { bytes: number; lines: number }>;
  /** Stored bytes (with DynamoDB's 100 B overhead) by item kind, table and index apart, when the batch is done. */
  tableBytes: Record<string, number>;
  indexBytes: Record<string, number>;
  /** Items by kind. */
  items: Record<string, number>;
  s3Bytes: { upload: number; rows: number };
  /** Wall time of the whole run, and of the sending alone. */
  seconds: { total: number; writer: number; sending: number };
  /** Process CPU seconds of the whole run (the emulators' threads included). */
  cpuSeconds: number;
  /** SES events fed to the events function, by type. */
  sesEvents: Record<FedEventType, number>;
  /** The events function's metric documents (one per event type per invocation: cloudwatch-event-metrics.ts). */
  eventMetricDocuments: number;
}

export interface Meters {
  dynamo: DynamoMeter;
  sqs: SqsMeter;
  s3: S3Meter;
  /** Lines the functions' logger wrote since the last take, by payer. */
  takeLogs(): Record<string, { bytes: number; lines: number }>;
  /** Gives standard output back and closes the meter's own client. */
  stop(): void;
}

/**
 * Puts the meters on the clients the stores, queues and files of the emulated stack use (every store
 * the handlers get from test/helpers/send-pipeline.ts is built on them), and counts the JSON lines the
 * functions' logger writes (swallowing them: the bench prints its own tables).
 */
export function meter(aws: TestAws): Meters {
  const shadow = new DynamoDBClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: aws.emulators.endpoints.dynamodb,
  });
  const dynamo = new DynamoMeter(shadow, aws.tableName, TABLE_SHAPE);
  dynamo.attach(aws.clients.dynamodb);
  const sqs = new SqsMeter();
  sqs.attach(aws.clients.sqs);
  const s3 = new S3Meter();
  s3.attach(aws.s3.client);
  let logs: Record<string, { bytes: number; lines: number }> = {};
  const original = process.stdout.write;
  const write = original.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.startsWith('{')) {
      const payer = payerNow();
      const entry = logs[payer] ?? { bytes: 0, lines: 0 };
      entry.bytes += Buffer.byteLength(text);
      entry.lines += 1;
      logs[payer] = entry;
      return true;
    }
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  // The functions log at their deployed level (INFO), whatever the environment of the bench says.
  logger.setLogLevel('INFO');
  return {
    dynamo,
    sqs,
    s3,
    takeLogs: () => {
      const taken = logs;
      logs = {};
      return taken;
    },
    stop: () => {
      process.stdout.write = original;
      shadow.destroy();
    },
  };
}

/** Runs `work` as `payer` would be billed for it, timing it as one invocation. */
async function invoke<T>(
  invocations: Invocation[],
  payer: string,
  records: number,
  work: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    return await billedAs(payer, work);
  } finally {
    invocations.push({ payer, ms: performance.now() - started, records });
  }
}

const FIRST_NAMES = ['Ana', 'Ben', 'Chloé', 'Dmitri', 'Eun-ji', 'Farah', 'Gustavo', 'Hana', 'Ibrahim', 'Jun'];

/** A 20 KB HTML template, the same for every row, personalised by {{first_name}} only. */
function sharedTemplate(): string {
  const paragraph =
    '<p>Hello {{first_name}}, this season our stores take 20% off everything you saw last time: shoes, coats, and the lamps you asked about. <a href="https://example.com/spring?utm_source=mail">See the offer</a></p>\n';
  let html = '<html><body><h1>Spring offer for {{first_name}}</h1>\n';
  while (Buffer.byteLength(html) < 20 * 1024 - paragraph.length) html += paragraph;
  return `${html}</body></html>`;
}

/** A 2 KB content written for one recipient (no two alike). */
function personalContent(i: number, name: string): string {
  let html = `<p>Dear ${name},</p><p>Your order #${100000 + i} shipped on day ${(i % 28) + 1}; your advisor, desk ${i % 97}, picked these for you:</p><ul>`;
  let n = 0;
  while (Buffer.byteLength(html) < 2 * 1024 - 120) {
    html += `<li>Item ${(i * 7919 + n * 104729) % 1000003}: ${['a linen shirt', 'walking boots', 'a reading lamp', 'a rain jacket'][(i + n) % 4]} in size ${((i + n) % 5) + 36}</li>`;
    n += 1;
  }
  return `${html}</ul><p>Kind regards, the Example team</p>`;
}

const quoted = (field: string) => `"${field.replaceAll('"', '""')}"`;

/** The campaign file: `recipients` distinct addresses, with the content of the case. */
export function campaignFile(options: CampaignOptions, runId: string): Buffer {
  const template = quoted(sharedTemplate());
  const lines = ['email,subject,content,first_name'];
  for (let i = 0; i < options.recipients; i++) {
    const name = `${FIRST_NAMES[i % FIRST_NAMES.length]}${i}`;
    const content = options.content === 'template' ? template : quoted(personalContent(i, name));
    lines.push(`r${i}.${runId}@example.com,"{{first_name}}, your spring offer is here",${content},${name}`);
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** A SES message id as long as the real ones (the emulator's are 13 characters, SES's 60). */
const sesLikeMessageId = () =>
  `0100018c${randomUUID().replaceAll('-', '').slice(0, 8)}-${randomUUID()}-000000`;

/**
 * One campaign through the real code path, every call metered: the upload API's use case (file to S3,
 * file record, batch record), S3's notification onto the write queue, the writer (chunks to S3, sends to
 * DynamoDB, messages to the send queue, checkpoints), a sweeper run while the batch is open,
 * `senderContainers` sender containers fed by a stand-in of Lambda's SQS event source (receive up to 10,
 * invoke, delete what succeeded) against the SES emulator, and sweeper runs until the batch is reconciled
 * and finished. Then what the batch stores, in DynamoDB and in S3.
 */
export async function runCampaign(
  aws: TestAws,
  meters: Meters,
  options: CampaignOptions,
): Promise<CampaignSample> {
  const cpuStart = process.cpuUsage();
  const runStarted = performance.now();
  const invocations: Invocation[] = [];
  const runId = randomUUID().slice(0, 8);
  const bytes = campaignFile(options, runId);
  const batchId = randomUUID();

  // POST /campaigns/upload without an Idempotency-Key: the duplicate-file check runs.
  const outcome = await invoke(invocations, PAYERS.uploadApi, 1, () =>
    acceptUpload(
      {
        bytes,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        dryRun: false,
        allowDuplicate: false,
        fileName: `campaign-${options.content}.csv`,
      },
      batchId,
      acceptDepsFor(aws),
      { checkDuplicate: true },
    ),
  );
  if (outcome.report === undefined) throw new Error(`upload refused: ${JSON.stringify(outcome.body)}`);

  // S3 puts the object-created event on the write queue; Lambda's event source hands it to the writer.
  await billedAs(PAYERS.notification, () =>
    aws.clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: aws.queues.writeQueueUrl,
        MessageBody: JSON.stringify({
          Records: [
            {
              eventName: 'ObjectCreated:Put',
              s3: {
                bucket: { name: aws.s3.bucket },
                object: { key: uploadKeyOf(batchId), size: bytes.length },
              },
            },
          ],
        }),
      }),
    ),
  );
  const writer = createWriterHandler(writerDepsFor(aws, { chunkRows: options.chunkRows }));
  const writerStarted = performance.now();
  for (;;) {
    const event = await receive(aws, aws.queues.writeQueueUrl, 1, PAYERS.writerPoller);
    if (event.Records.length === 0) break;
    const result = await invoke(invocations, PAYERS.writer, event.Records.length, () =>
      writer(event, lambdaContext('writer')),
    );
    await acknowledge(aws, aws.queues.writeQueueUrl, event, result.batchItemFailures, PAYERS.writerPoller);
  }
  const writerSeconds = (performance.now() - writerStarted) / 1000;

  const sweeper = sweeperFor(aws);
  await invoke(invocations, PAYERS.sweeperOpen, 0, () => sweeper({}));

  const sendingStarted = performance.now();
  let processed = 0;
  const accepted = outcome.report.accepted;
  const taken: TakenMail[] = [];
  const containers = Array.from({ length: options.senderContainers }, async () => {
    const ses = sesClientFor(aws);
    ses.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        const output = (out as { output?: { MessageId?: string } }).output;
        if (output?.MessageId) {
          output.MessageId = sesLikeMessageId();
          const mail = takenMailOf((args as { input: SendEmailInput }).input, output.MessageId);
          if (mail) taken.push(mail);
        }
        return out;
      },
      { step: 'initialize', name: 'sesLikeMessageIds' },
    );
    // Each container its own stores: its own cache of chunks and its own record of batch starts.
    // Its counter moves summed per invocation and written at its end, as lambdas/sender/index.ts wires it.
    const { sends, counters, writers } = storesOf(aws);
    const counts = new CounterBuffer(counters);
    const handler = createSenderHandler(
      senderDepsFor(aws, ses, {
        sends: new CountedSends(sends, counts, writers, RETENTION_SECONDS),
        counts,
      }),
    );
    const deadline = performance.now() + 10 * 60_000;
    try {
      while (processed < accepted) {
        if (performance.now() > deadline) throw new Error(`sending stalled at ${processed} of ${accepted}`);
        const event = await receive(aws, aws.queues.queueUrl, 10, PAYERS.senderPoller);
        if (event.Records.length === 0) {
          await sleep(50);
          continue;
        }
        const result = await invoke(invocations, PAYERS.sender, event.Records.length, () =>
          handler(event, lambdaContext('sender')),
        );
        processed += event.Records.length - result.batchItemFailures.length;
        await acknowledge(aws, aws.queues.queueUrl, event, result.batchItemFailures, PAYERS.senderPoller);
      }
    } finally {
      ses.destroy();
    }
  });
  await Promise.all(containers);
  const sendingSeconds = (performance.now() - sendingStarted) / 1000;

  // SES's events of the mails, a second or so after each: on AWS they come while the batch is open,
  // long before the sweeper's run that finishes it.
  const events = await feedSesEvents(aws, taken, options, invocations);

  const writers = storesOf(aws).writers;
  for (let run = 0; ; run++) {
    await invoke(invocations, PAYERS.sweeperFinish, 0, () => sweeper({}));
    const state = await billedAs(BENCH, () => writers.get(batchId));
    if (state?.sendingFinishedAt !== undefined) break;
    if (run >= 5) throw new Error(`the sweeper did not finish batch ${batchId}: ${JSON.stringify(state)}`);
    await sleep(200);
  }
  const totalSeconds = (performance.now() - runStarted) / 1000;
  const cpu = process.cpuUsage(cpuStart);

  const stored = await billedAs(BENCH, () => storedOf(aws, batchId));
  await fetch(`${aws.emulators.endpoints.sesv2}/clear-store`, { method: 'POST' });
  const s3 = meters.s3.take();
  return {
    options,
    batchId,
    csvBytes: bytes.length,
    accepted,
    chunks: s3.filter((c) => c.operation === 'PutObject' && c.key.startsWith(ROWS_KEY_PREFIX)).length,
    dynamo: meters.dynamo.take(),
    sqs: meters.sqs.take(),
    s3,
    invocations,
    logs: meters.takeLogs(),
    ...stored,
    seconds: { total: totalSeconds, writer: writerSeconds, sending: sendingSeconds },
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    sesEvents: events.fed,
    eventMetricDocuments: events.metricDocuments,
  };
}

/** What the sender asks of SES (SendEmail's input, as far as SES's events repeat it). */
interface SendEmailInput {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[] };
  EmailTags?: { Name?: string; Value?: string }[];
}

/** The configuration set SES would publish the bench's events for (the sender is given none here). */
const BENCH_CONFIGURATION_SET = 'campaign-mailer-bench';

/** The mail SES took for a SendEmail request, as its events describe it. */
function takenMailOf(input: SendEmailInput, messageId: string): TakenMail | undefined {
  const to = input.Destination?.ToAddresses ?? [];
  if (to.length === 0) return undefined;
  const tags: Record<string, string> = {};
  for (const tag of input.EmailTags ?? []) if (tag.Name && tag.Value) tags[tag.Name] = tag.Value;
  return {
    messageId,
    from: input.FromEmailAddress ?? '',
    to,
    tags,
    configurationSet: BENCH_CONFIGURATION_SET,
    sentAt: new Date(),
  };
}

/**
 * The events function's metrics, counted instead of shipped: the documents it would write (one per event
 * type per invocation, cloudwatch-event-metrics.ts). An unknown send or a guardrail pause stops the
 * bench: the model scales neither.
 */
function countedEventMetrics() {
  let types = new Set<SesEventType>();
  const counted = { documents: 0 };
  const metrics: EventMetrics = {
    event: (type) => types.add(type),
    unknownSend: () => {
      throw new Error('an SES event of the bench named a send that is not in the table');
    },
    suppressionAdded: () => {},
    pausedByGuardrail: () => {
      throw new Error("the guardrail paused the bench's batch: its bounce or complaint share is too high");
    },
    flush: () => {
      counted.documents += types.size;
      types = new Set();
    },
  };
  return { metrics, counted };
}

/**
 * The events function (lambdas/events/handler.ts), wired as lambdas/events/index.ts wires it with the
 * deployed settings, on the metered clients. Each event's own calls (its send read and written, its
 * suppression) are billed to its type and the guardrail's reads to the guardrail, so that the model can
 * scale each by its own share; what is left (the counter moves written as an invocation ends) is the
 * invocation's.
 */
function eventsHandlerFor(aws: TestAws, metrics: EventMetrics) {
  const db = aws.clients.documents;
  const config = eventsConfig({ TABLE_NAME: aws.tableName });
  const counts = new CounterBuffer(new CounterStore(db, aws.tableName), { touchTime: false });
  const sends = new CountedSends(
    new SendStore(db, aws.tableName),
    counts,
    new WriterStore(db, aws.tableName),
    config.retentionSeconds,
  );
  const suppressions = new SuppressionStore(db, aws.tableName);
  const progress = new BatchProgressReader(db, aws.tableName);
  const controls = new BatchControlStore(db, aws.tableName);
  const typeOfStatus: Record<string, FedEventType> = {
    SENT: 'Send',
    DELIVERED: 'Delivery',
    BOUNCED: 'Bounce',
    COMPLAINED: 'Complaint',
  };
  const payerOfStatus = (status: string | undefined) => {
    const type = typeOfStatus[status ?? ''];
    if (type === undefined) throw new Error(`the bench does not scale an event moving a send to ${status}`);
    return eventPayerOf(type);
  };
  return createEventsHandler({
    sends: {
      recordEvent: (sendId, update, now, known) =>
        billedAs(payerOfStatus(update.status), () => sends.recordEvent(sendId, update, now, known)),
    },
    suppressions: {
      addIfAbsent: (entry) => billedAs(payerOfStatus(entry.reason), () => suppressions.addIfAbsent(entry)),
    },
    counts,
    guardrail: {
      progress: { progress: (batchId) => billedAs(PAYERS.eventsGuardrail, () => progress.progress(batchId)) },
      controls: {
        get: (...args: Parameters<BatchControlStore['get']>) =>
          billedAs(PAYERS.eventsGuardrail, () => controls.get(...args)),
        apply: (...args: Parameters<BatchControlStore['apply']>) =>
          billedAs(PAYERS.eventsGuardrail, () => controls.apply(...args)),
      },
      limits: config.guardrail,
    },
    metrics,
    clock: () => new Date(),
  });
}

/**
 * SES's events of `mails` (cost-ses-events.ts) through the stack's path: EventBridge's rule puts each on
 * the events queue (one SendMessage an event), Lambda's event source receives `eventsPerInvocation` at a
 * time (in receives of `eventsPerReceive`), invokes the events function and deletes what succeeded.
 *
 * On AWS the events come over time and the event source's batching window hands the function the events
 * published in the last seconds: a mail's Send (0.1 s after SES took it) and its Delivery (1 s after,
 * ses-mailbox-simulator.ts) land in the same invocation unless a window ends between them, and then the
 * function reads the send once for both (lambdas/events/handler.ts). So the bench feeds the function
 * consecutive groups of the events in the order SES publishes them (by their `at`), one invocation's worth
 * at a time: it puts the next group on the queue, receives all of it, invokes, deletes, and only then puts
 * the next (enqueuing everything first would let the local queue hand the messages out in any order, a
 * Send in one invocation and its Delivery in another far later). A pair split across a group's edge is
 * still split and counted, as a window ending between its two events would split it: consecutive groups
 * split a pair only there. The events are published at the case's pace (`sendsPerSecond`), not the local
 * sending's, which is faster and would put more events between a Send and its Delivery than AWS would.
 * The SQS requests are counted as before: a SendMessage per event for EventBridge, the receives of a
 * group, a delete per 10 events (an empty receive is not counted: cost-model.ts).
 */
async function feedSesEvents(
  aws: TestAws,
  mails: readonly TakenMail[],
  batching: Pick<CampaignOptions, 'eventsPerInvocation' | 'eventsPerReceive' | 'sendsPerSecond'>,
  invocations: Invocation[],
): Promise<{ fed: Record<FedEventType, number>; metricDocuments: number }> {
  const published = sesEventsOf(pacedAt(mails, batching.sendsPerSecond));
  const queueUrl = aws.queues.eventsQueueUrl;
  const { metrics, counted } = countedEventMetrics();
  const handler = eventsHandlerFor(aws, metrics);
  for (let start = 0; start < published.length; start += batching.eventsPerInvocation) {
    const group = published.slice(start, start + batching.eventsPerInvocation);
    // The position of each message in publication order, by its message id.
    const positions = new Map<string, number>();
    for (let i = 0; i < group.length; i += 10) {
      await Promise.all(
        group.slice(i, i + 10).map(async (event, j) => {
          const sent = await billedAs(PAYERS.eventBridge, () =>
            aws.clients.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: event.body })),
          );
          if (sent.MessageId === undefined) throw new Error('the events queue gave no message id');
          positions.set(sent.MessageId, i + j);
        }),
      );
    }
    const event = await gatherAll(
      aws,
      queueUrl,
      group.length,
      batching.eventsPerReceive,
      PAYERS.eventsPoller,
    );
    // The event source hands the batch over in the order it received it; the bench keeps SES's.
    const position = (record: SQSRecord) => positions.get(record.messageId) ?? Number.POSITIVE_INFINITY;
    event.Records.sort((a, b) => position(a) - position(b));
    const result = await invoke(invocations, PAYERS.events, event.Records.length, () => handler(event));
    if (result.batchItemFailures.length > 0)
      throw new Error(`the events function failed ${result.batchItemFailures.length} events`);
    await acknowledge(aws, queueUrl, event, result.batchItemFailures, PAYERS.eventsPoller);
  }
  return { fed: countByType(published), metricDocuments: counted.documents };
}

/** The mails as SES would have taken them at `sendsPerSecond`, in the order the bench's senders sent them. */
function pacedAt(mails: readonly TakenMail[], sendsPerSecond: number): TakenMail[] {
  const first = mails[0]?.sentAt.getTime() ?? 0;
  return mails.map((mail, i) => ({ ...mail, sentAt: new Date(first + (i * 1000) / sendsPerSecond) }));
}

/**
 * One invocation's batch as Lambda's event source gathers it in its batching window: receives of
 * `perReceive` messages until the batch holds the `count` messages the bench put on the (otherwise empty)
 * queue. The receives long-poll a second (the local queue's short polls may come back empty while
 * messages wait); an empty one is not counted.
 */
async function gatherAll(
  aws: TestAws,
  queueUrl: string,
  count: number,
  perReceive: number,
  payer: string,
): Promise<SQSEvent> {
  const records: SQSRecord[] = [];
  const deadline = performance.now() + 60_000;
  while (records.length < count) {
    if (performance.now() > deadline)
      throw new Error(`the events queue handed over ${records.length} of ${count} events`);
    const max = Math.min(perReceive, count - records.length);
    const received = await receive(aws, queueUrl, max, payer, 1);
    records.push(...received.Records);
  }
  return { Records: records };
}

/** The sweeper, wired as lambdas/sweeper/index.ts wires it, with its deployed settings. */
function sweeperFor(aws: TestAws) {
  const db = aws.clients.documents;
  const { sends, counters, writers, queue, priorityQueue, writeQueue, controls } = storesOf(aws);
  const settings = sweeperConfig({
    TABLE_NAME: aws.tableName,
    QUEUE_URL: aws.queues.queueUrl,
    PRIORITY_QUEUE_URL: aws.queues.priorityQueueUrl,
    WRITE_QUEUE_URL: aws.queues.writeQueueUrl,
  });
  return createSweeperHandler(
    {
      writers,
      counters,
      reconciler: new BatchReconciler(db, aws.tableName),
      reader: new SendReader(db, aws.tableName),
      sends: new CountedSends(sends, counters, writers, RETENTION_SECONDS),
      requeued: sends,
      sendQueueFor: queueByPriority({ normal: queue, high: priorityQueue }),
      writeQueue,
      controls,
      clock: () => new Date(),
    },
    settings,
  );
}

/** One receive of Lambda's SQS event source, shaped as the event it invokes the function with. */
async function receive(
  aws: TestAws,
  queueUrl: string,
  max: number,
  payer: string,
  waitSeconds = 0,
): Promise<SQSEvent> {
  const out = await billedAs(payer, () =>
    aws.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ['All'],
        AttributeNames: ['All'],
      }),
    ),
  );
  const arn = `arn:aws:sqs:us-east-1:000000000000:${queueUrl.split('/').pop()}`;
  return { Records: (out.Messages ?? []).map((m) => sqsRecordOf(m, arn)) };
}

/** What the event source does after an invocation: deletes the messages that did not fail. */
async function acknowledge(
  aws: TestAws,
  queueUrl: string,
  event: SQSEvent,
  failures: { itemIdentifier: string }[],
  payer: string,
): Promise<void> {
  const failed = new Set(failures.map((f) => f.itemIdentifier));
  const done = event.Records.filter((r) => !failed.has(r.messageId));
  // SQS deletes 10 messages a request at most.
  for (let i = 0; i < done.length; i += SQS_MAX_MESSAGES_PER_CALL) {
    const entries = done.slice(i, i + SQS_MAX_MESSAGES_PER_CALL);
    await billedAs(payer, () =>
      aws.clients.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: entries.map((r, j) => ({ Id: String(j), ReceiptHandle: r.receiptHandle })),
        }),
      ),
    );
  }
}

/** What a finished batch keeps: its items and index entries by kind, its file and its chunks. */
async function storedOf(aws: TestAws, batchId: string) {
  const tableBytes: Record<string, number> = {};
  const indexBytes: Record<string, number> = {};
  const items: Record<string, number> = {};
  const add = (into: Record<string, number>, kind: string, n: number) => {
    into[kind] = (into[kind] ?? 0) + n;
  };
  let startKey: RawItem | undefined;
  do {
    const out = await aws.clients.dynamodb.send(
      new ScanCommand({
        TableName: aws.tableName,
        ExclusiveStartKey: startKey as ScanCommandInput['ExclusiveStartKey'],
      }),
    );
    for (const item of (out.Items ?? []) as RawItem[]) {
      if (item.batchId?.S !== batchId) continue;
      const kind = itemKindOf(item);
      const bytes = storedBytes(item, TABLE_SHAPE);
      add(tableBytes, kind, bytes.table);
      add(indexBytes, kind, bytes.indexes);
      add(items, kind, 1);
    }
    startKey = out.LastEvaluatedKey as RawItem | undefined;
  } while (startKey);
  const sizeUnder = async (prefix: string) => {
    let bytes = 0;
    let token: string | undefined;
    do {
      const out = await aws.s3.client.send(
        new ListObjectsV2Command({ Bucket: aws.s3.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of out.Contents ?? []) bytes += object.Size ?? 0;
      token = out.NextContinuationToken;
    } while (token);
    return bytes;
  };
  return {
    tableBytes,
    indexBytes,
    items,
    s3Bytes: {
      upload: await sizeUnder(uploadKeyOf(batchId)),
      rows: await sizeUnder(`${ROWS_KEY_PREFIX}${batchId}/`),
    },
  };
}
