import { randomUUID } from 'node:crypto';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { SesEventType } from '../../lambdas/contract/ses-event-types.js';
import type { SendRecord } from '../../lambdas/core/domain/send-record.js';
import { BatchControlStore } from '../../lambdas/core/store/batch-control-store.js';
import { BatchProgressReader } from '../../lambdas/core/store/batch-progress.js';
import { CountedSends } from '../../lambdas/core/store/counted-sends.js';
import { CounterBuffer } from '../../lambdas/core/store/counter-buffer.js';
import { CounterStore } from '../../lambdas/core/store/counter-store.js';
import { SendStore } from '../../lambdas/core/store/send-store.js';
import { SuppressionStore } from '../../lambdas/core/store/suppression-store.js';
import { WriterStore } from '../../lambdas/core/store/writer-store.js';
import type { EventMetrics } from '../../lambdas/events/event-metrics.js';
import type { EventsHandlerDeps } from '../../lambdas/events/handler.js';
import { eventBridgeEvent, type PublishedEvent, sesEventRecord } from '../../local/ses-event-records.js';
import { sqsRecordOf } from '../../local/sqs-event-source.js';
import type { TestAws } from './aws-emulators.js';
import { RETENTION_SECONDS } from './send-pipeline.js';

/** What the events function counted, kept for a test to read. */
export interface RecordedEventMetrics extends EventMetrics {
  events: SesEventType[];
  unknownSends: number;
  suppressionsAdded: number;
  pausedByGuardrail: () => void;
  paused: number;
}

export function recordingEventMetrics(): RecordedEventMetrics {
  const recorded: RecordedEventMetrics = {
    events: [],
    unknownSends: 0,
    suppressionsAdded: 0,
    event: (type) => recorded.events.push(type),
    unknownSend: () => {
      recorded.unknownSends += 1;
    },
    suppressionAdded: () => {
      recorded.suppressionsAdded += 1;
    },
    paused: 0,
    pausedByGuardrail: () => {
      recorded.paused += 1;
    },
    flush: () => {},
  };
  return recorded;
}

/**
 * The events function's dependencies against the emulators, as lambdas/events/index.ts wires them (its
 * counter moves buffered per invocation), with metrics a test can read.
 */
export function eventsDepsFor(
  aws: TestAws,
  overrides: Partial<EventsHandlerDeps> = {},
): EventsHandlerDeps & { metrics: RecordedEventMetrics } {
  const db = aws.clients.documents;
  const counts = new CounterBuffer(new CounterStore(db, aws.tableName), { touchTime: false });
  return {
    sends: new CountedSends(
      new SendStore(db, aws.tableName),
      counts,
      new WriterStore(db, aws.tableName),
      RETENTION_SECONDS,
    ),
    suppressions: new SuppressionStore(db, aws.tableName),
    counts,
    // As the entry wires it, with the default limits (5 % bounces, 0.1 % complaints).
    guardrail: {
      progress: new BatchProgressReader(db, aws.tableName),
      controls: new BatchControlStore(db, aws.tableName),
      limits: { maxBounceRate: 0.05, maxComplaintRate: 0.001 },
    },
    clock: () => new Date(),
    ...overrides,
    metrics: recordingEventMetrics(),
  };
}

/**
 * The events queue's message of one SES event about `send`'s mail, as EventBridge's rule puts it there:
 * the mail tagged as the sender tags it, and SES's message id (the send's, or `messageId`).
 */
export function eventMessageFor(
  send: Pick<SendRecord, 'sendId' | 'batchId' | 'email' | 'sesMessageId'>,
  event: PublishedEvent,
  at: Date,
  options: { messageId?: string; sentAt?: Date } = {},
): string {
  const mail = {
    messageId: options.messageId ?? send.sesMessageId ?? `ses-${send.sendId.slice(0, 9)}`,
    from: 'campaigns@example.com',
    to: [send.email],
    tags: { sendId: send.sendId, batchId: send.batchId },
    configurationSet: 'campaign-mailer-test',
    sentAt: options.sentAt ?? new Date(at.getTime() - 1000),
  };
  return JSON.stringify(
    eventBridgeEvent(event.type, sesEventRecord(mail, event, at), at, mail.configurationSet),
  );
}

/** An SQS event of these message bodies, as the event source hands them to the function. */
export function sqsEventOf(...bodies: string[]): SQSEvent {
  return {
    Records: bodies.map(
      (body): SQSRecord =>
        sqsRecordOf({ MessageId: randomUUID(), Body: body }, 'arn:aws:sqs:us-east-1:000000000000:events'),
    ),
  };
}
