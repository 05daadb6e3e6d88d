import { randomUUID } from 'node:crypto';
import type { SQSBatchResponse } from 'aws-lambda';
import type { SendRecord } from '../../lambdas/core/domain/send-record.js';
import type { SendStatus } from '../../lambdas/core/domain/send-status.js';
import type { IngestReport } from '../../lambdas/core/ingest/ingest-report.js';
import type { SendEventUpdate } from '../../lambdas/core/store/send-store.js';
import { createWriterHandler, type WriterDeps } from '../../lambdas/writer/handler.js';
import type { TestAws } from './aws-emulators.js';
import { FULL_WRITER_TIME, ingestText, storesOf, uploadEventFor, writerDepsFor } from './send-pipeline.js';
import { refOf } from './send-records.js';

/**
 * Batches for the read side's tests, made the way production makes them (the upload API's acceptance,
 * the writer, the sender's status changes with their counters), at times a test chooses, so that
 * queries by date have fixed answers.
 */

/** One CSV record, every field quoted as a spreadsheet quotes it (commas, quotes, line breaks inside). */
export const csvLine = (fields: string[]) => fields.map((f) => `"${f.replaceAll('"', '""')}"`).join(',');

export const csvText = (rows: string[][]) => `${rows.map(csvLine).join('\n')}\n`;

export interface UploadedBatch {
  batchId: string;
  /** When it was uploaded: every one of its sends' createdAt. */
  createdAt: string;
  /** What the upload answered. */
  report: IngestReport;
}

/**
 * Uploads `csv` as POST /campaigns/upload does at the instant `at` (the batch's createdAt), then writes
 * its sends as the writer does on S3's event; resolves once every send is QUEUED.
 */
export async function uploadAt(
  aws: TestAws,
  csv: string,
  at: Date,
  options: { dryRun?: boolean; fileName?: string; chunkRows?: number } = {},
): Promise<UploadedBatch> {
  const report = await ingestText(aws, csv, { ...options, at });
  return { batchId: report.batchId, createdAt: at.toISOString(), report };
}

/**
 * Stores `csv` as a client PUTs a large file through its pre-signed URL (no batch record: the writer
 * makes it) and returns the upload's batch id.
 */
export async function putLargeFile(aws: TestAws, csv: string, batchId = randomUUID()): Promise<string> {
  await storesOf(aws).files.put(batchId, Buffer.from(csv), { dryRun: false });
  return batchId;
}

/**
 * Runs the writer once on S3's event for the file of `batchId` (a continuation reads the same). With
 * `chunksPerRun` it stops after that many chunks and hands over, as it does when its time runs out: its
 * clock advances one tick per chunk and its budget is that many ticks.
 */
export function runWriter(
  aws: TestAws,
  batchId: string,
  options: { chunkRows?: number; chunksPerRun?: number } & Partial<WriterDeps> = {},
): Promise<SQSBatchResponse> {
  const { chunksPerRun, ...overrides } = options;
  let ticks = 0;
  const writer = createWriterHandler(
    writerDepsFor(aws, {
      ...overrides,
      ...(chunksPerRun === undefined ? {} : { now: () => ticks++, budgetMs: chunksPerRun }),
    }),
  );
  return writer(uploadEventFor(aws, batchId), FULL_WRITER_TIME);
}

/** The rejection the tests' ERROR sends carry. */
export const REJECTED = { code: 'MessageRejected', message: 'Email address is not verified.' };

/**
 * Moves a QUEUED send on to `to` the way the sender does, counting every change: a claim (SENDING),
 * then SES's acceptance (SENT, message id `ses-<first 8 of sendId>`) or a rejection (ERROR, REJECTED),
 * all at `at`. Resolves with the send as it is then.
 */
/** An SES event's update that moves a SENT send to `to`, with the facts such an event brings. */
export function eventMoving(to: SendStatus, sesMessageId: string, at: Date): SendEventUpdate {
  const when = at.toISOString();
  const facts: Partial<Record<SendStatus, SendEventUpdate['fact']>> = {
    DELIVERED: { name: 'delivery', value: { at: when, smtpResponse: '250 2.0.0 OK' }, keep: 'first' },
    BOUNCED: {
      name: 'bounce',
      value: {
        at: when,
        type: 'Permanent',
        subtype: 'General',
        diagnosticCode: 'smtp; 550 5.1.1 user unknown',
      },
      keep: 'strongest',
    },
    COMPLAINED: { name: 'complaint', value: { at: when, feedbackType: 'abuse' }, keep: 'first' },
    REJECTED: { name: 'reject', value: { at: when, reason: 'Bad content' }, keep: 'first' },
  };
  const fact = facts[to];
  return {
    ...(to === 'SENT' || to === 'DELIVERED' || to === 'BOUNCED' || to === 'COMPLAINED' || to === 'REJECTED'
      ? { status: to }
      : {}),
    ...(fact ? { fact } : {}),
    sesMessageId,
    sentAt: when,
    at: when,
  };
}

export async function moveSend(
  aws: TestAws,
  send: SendRecord,
  to: SendStatus,
  at: Date,
  options: { dryRun?: boolean } = {},
): Promise<SendRecord> {
  const { counted, sends } = storesOf(aws);
  if (to !== 'QUEUED') {
    const ref = refOf(send);
    const lease = `lease-${send.sendId.slice(0, 8)}`;
    if (!(await counted.claim(ref, lease, at, 60_000))) throw new Error(`send ${send.sendId} not claimable`);
    const id = options.dryRun ? `dry-run-${send.sendId}` : `ses-${send.sendId.slice(0, 8)}`;
    if (to === 'ERROR') await counted.markError(ref, REJECTED, at, lease);
    else if (to === 'SUPPRESSED') await counted.markSuppressed(ref, 'BOUNCED', at, lease);
    else if (to === 'CANCELLED') await counted.markCancelled(ref, at, lease);
    else if (to !== 'SENDING') {
      await counted.markSent(ref, lease, id, at, options);
      // What SES's events would write after the send (lambdas/events).
      if (to !== 'SENT') await counted.recordEvent(send.sendId, eventMoving(to, id, at), at);
    }
  }
  const moved = await sends.getSend(send.sendId);
  if (!moved) throw new Error(`send ${send.sendId} vanished`);
  return moved;
}
