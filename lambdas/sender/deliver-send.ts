import { slotFitsBeforeDeadline } from '../contract/pacing-budget.js';
import type { StoredBatchState } from '../core/domain/batch-state.js';
import { normaliseEmail } from '../core/domain/email-address.js';
import { renderEmail } from '../core/domain/email-body.js';
import type { UnsubscribeLinks } from '../core/domain/list-unsubscribe.js';
import { mailOf } from '../core/domain/row-chunk.js';
import type { SendRef } from '../core/domain/send-record.js';
import type { SuppressionReason } from '../core/domain/suppression.js';
import type { RowChunks } from '../core/files/row-chunks.js';
import { logger } from '../core/observability/logger.js';
import { type BatchPaceStore, PACE_LOOKAHEAD_WINDOWS, paceWindowOf } from '../core/store/batch-pace-store.js';
import type { BatchStarts } from '../core/store/batch-starts.js';
import type { CountedSends } from '../core/store/counted-sends.js';
import type { SuppressionStore } from '../core/store/suppression-store.js';
import type { BatchControls } from './batch-controls.js';
import type { InvocationDeadline } from './deferral.js';
import type { Mailer } from './mailer.js';
import type { SendMetrics } from './send-metrics.js';
import type { SendPacing } from './send-pacing.js';
import { classifySesFailure, isThrottling, type SesFailure } from './ses-failure.js';

export interface DeliveryDeps {
  sends: Pick<
    CountedSends,
    'claim' | 'markSent' | 'markError' | 'markSuppressed' | 'markCancelled' | 'releaseClaim'
  >;
  /** The control state of each batch (paused, cancelled, its own pace), read at most every 3 s. */
  controls?: Pick<BatchControls, 'of'>;
  /** The batches' own paces (`maxRate`), shared by every sender. */
  pace?: Pick<BatchPaceStore, 'take'>;
  /** Waits until a batch's paced slot (a timer in the entry, a fake clock in tests). */
  sleep?: (ms: number) => Promise<void>;
  mailer: Mailer;
  /** The project's suppression list: an address on it is not mailed (one GetItem per send). */
  suppressions: Pick<SuppressionStore, 'get'>;
  /** Each mail's one-click unsubscribe link and headers (List-Unsubscribe, List-Unsubscribe-Post). */
  unsubscribe: Pick<UnsubscribeLinks, 'linkFor'>;
  /** The batch's rows, by chunk: what the mail says (cached: a chunk is read once per container). */
  rows: Pick<RowChunks, 'get'>;
  clock: () => Date;
  newLeaseId: () => string;
  leaseMs: number;
  /** Where the first claim of each batch is noted: GraphQL's Batch.startedAt. */
  batchStarts: Pick<BatchStarts, 'record'>;
  metrics: SendMetrics;
  /** Rate control: a slot before each SES call. None: SES is called as fast as the sends come. */
  pacing?: SendPacing;
  /** DRY_RUN: every send goes through every step but the SES call (see dryRunMessageId). */
  dryRun?: boolean;
}

/** Why a claim was given back unsent: the batch's own pace (kept as the send's last "error"). */
const PACED = {
  code: 'BatchPaced',
  message: "the batch's maxRate had no slot for it yet; it comes back later",
};
const HELD = { code: 'BatchPaused', message: 'the batch was paused before the mail; its resume sends it' };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * What a batch's state says of a message: set aside (paused, or not started), ended (cancelled), or
 * nothing (mail it). Before the claim nothing is held; after it (`leaseId`), a held send's claim is given
 * back for the resume's release, and only the claim's holder ends a send CANCELLED.
 */
async function stopFor(
  state: StoredBatchState | undefined,
  ref: SendRef,
  deps: Pick<DeliveryDeps, 'sends' | 'clock' | 'metrics'>,
  leaseId?: string,
): Promise<DeliveryOutcome | undefined> {
  if (state === 'PAUSED' || state === 'SCHEDULED') {
    if (leaseId !== undefined) await deps.sends.releaseClaim(ref, leaseId, HELD, deps.clock());
    deps.metrics.held();
    return { kind: 'held' };
  }
  if (state === 'CANCELLED') {
    if (await deps.sends.markCancelled(ref, deps.clock(), leaseId)) deps.metrics.cancelled();
    return { kind: 'cancelled' };
  }
  return undefined;
}

/** The SES message id recorded on a send that a dry run marked SENT without calling SES. */
export const dryRunMessageId = (sendId: string) => `dry-run-${sendId}`;

/**
 * - sent: SES accepted it and the send is SENT;
 * - skipped: nothing to do (already SENT or ERROR, or another sender holds a live claim);
 * - suppressed: its address is on the suppression list, the send is SUPPRESSED and SES was not called;
 * - held: its batch is paused (or not started): the message is set aside, the send stays open for the
 *   resume's release (batch-jobs.ts);
 * - cancelled: its batch is cancelled, the send is CANCELLED and SES was not called;
 * - paced: its batch's own pace has no slot for it before the invocation's deadline: the claim is given
 *   back and the message must come back after `waitMs`;
 * - rejected: a permanent failure, the send is ERROR;
 * - retry: a transient failure, the message must come back later;
 * - account: SES refuses the whole account right now; retry later and stop calling SES for now.
 */
export type DeliveryOutcome =
  | { kind: 'sent'; sesMessageId: string; dryRun?: true }
  | { kind: 'skipped' }
  | { kind: 'held' }
  | { kind: 'cancelled' }
  | { kind: 'paced'; waitMs: number }
  | { kind: 'suppressed'; reason: SuppressionReason }
  | { kind: 'rejected'; failure: SesFailure }
  | { kind: 'retry'; failure: SesFailure }
  | { kind: 'account'; failure: SesFailure };

/**
 * Claim, send, record. The claim is a conditional write, so of two deliveries of the same message
 * (or two racing senders) only one reaches SES. The only window for a second email is a crash after
 * SES accepted and before SENT was written; the lease then runs out and the send is retried.
 *
 * After the claim and before anything else (the chunk, pacing, SES), the address is looked up on the
 * suppression list: one that bounced, complained or unsubscribed after the upload ends SUPPRESSED with
 * the list's reason, without an SES call, in a dry run too (it rehearses what would be mailed).
 *
 * A dry run (DRY_RUN for the whole function, or `dryRun` on the send, set by its upload) claims,
 * loads and renders the content as usual, then records SENT with `dryRun: true` and a synthetic
 * message id instead of calling SES. It takes no pacing slot: no SES quota is used.
 */
export async function deliverSend(
  ref: SendRef,
  deps: DeliveryDeps,
  deadline?: InvocationDeadline,
): Promise<DeliveryOutcome> {
  // A paused or cancelled batch is seen before the claim: its message is set aside or its send ended.
  const control = await deps.controls?.of(ref.batchId);
  const stopped = await stopFor(control?.state, ref, deps);
  if (stopped) return stopped;
  const leaseId = deps.newLeaseId();
  const claimedAt = deps.clock();
  const send = await deps.sends.claim(ref, leaseId, claimedAt, deps.leaseMs);
  if (send === undefined) return { kind: 'skipped' };
  // Progress information only: a failed write must not hold up the mail (the next claim tries again).
  await deps.batchStarts.record(send.batchId, claimedAt).catch((error: unknown) => {
    logger.warn('could not record the batch start', {
      batchId: send.batchId,
      error: error instanceof Error ? error.message : String(error),
    });
  });

  const suppression = await deps.suppressions.get(normaliseEmail(send.email));
  if (suppression !== undefined) {
    // Only the holder of the claim may end the send; a lost claim leaves it to the one who has it.
    if (!(await deps.sends.markSuppressed(ref, suppression.reason, deps.clock(), leaseId))) {
      return { kind: 'skipped' };
    }
    deps.metrics.suppressed();
    return { kind: 'suppressed', reason: suppression.reason };
  }

  const chunk = await deps.rows.get(send.batchId, send.chunk);
  const mail = chunk === undefined ? undefined : mailOf(chunk, send.sendId);
  if (mail === undefined) {
    // The chunk expired with the batch's retention, or was never written: nothing to mail, ever.
    const failure: SesFailure = {
      kind: 'permanent',
      code: 'ContentMissing',
      message: `rows ${send.chunk} of batch ${send.batchId} hold no mail for this send`,
    };
    await deps.sends.markError(ref, failure, deps.clock(), leaseId);
    deps.metrics.failed();
    return { kind: 'rejected', failure };
  }
  const unsubscribe = deps.unsubscribe.linkFor(send.sendId);
  const email = renderEmail(mail.subject, mail.content, mail.variables, { unsubscribeUrl: unsubscribe.url });

  if (deps.dryRun || send.dryRun === true) {
    const sesMessageId = dryRunMessageId(send.sendId);
    await deps.sends.markSent(ref, leaseId, sesMessageId, deps.clock(), { dryRun: true });
    return { kind: 'sent', sesMessageId, dryRun: true };
  }

  if (control?.maxRate !== undefined && deps.pace) {
    // The batch's own pace first (shared by every sender), then the account's.
    const nowMs = deps.clock().getTime();
    const slotAt = await deps.pace.take(send.batchId, control.maxRate, nowMs);
    const waitMs =
      slotAt === undefined ? PACE_LOOKAHEAD_WINDOWS * paceWindowOf(control.maxRate).lengthMs : slotAt - nowMs;
    if (
      slotAt === undefined ||
      (deadline && !slotFitsBeforeDeadline(waitMs, deadline.getRemainingTimeInMillis()))
    ) {
      await deps.sends.releaseClaim(ref, leaseId, PACED, deps.clock());
      return { kind: 'paced', waitMs };
    }
    if (waitMs > 0) await (deps.sleep ?? defaultSleep)(waitMs);
  }
  await deps.pacing?.acquire();
  // Pacing may have waited: a pause or a cancel that came meanwhile stops the mail here (the state is at
  // most 3 s old), so that no SES call is made for the batch within seconds of it.
  const stoppedSince = await stopFor((await deps.controls?.of(ref.batchId))?.state, ref, deps, leaseId);
  if (stoppedSince) return stoppedSince;
  let sesMessageId: string;
  const started = performance.now();
  try {
    sesMessageId = await deps.mailer.send({
      to: send.email,
      subject: email.subject,
      ...(email.html === undefined ? {} : { html: email.html }),
      text: email.text,
      tags: { batchId: send.batchId, sendId: send.sendId },
      headers: unsubscribe.headers,
    });
  } catch (error) {
    deps.metrics.sesLatency(performance.now() - started);
    const failure = classifySesFailure(error);
    if (isThrottling(failure)) {
      deps.metrics.throttled();
      deps.pacing?.throttled();
    }
    if (failure.kind === 'permanent') {
      await deps.sends.markError(ref, failure, deps.clock(), leaseId);
      deps.metrics.failed();
      return { kind: 'rejected', failure };
    }
    await deps.sends.releaseClaim(ref, leaseId, failure, deps.clock());
    return failure.kind === 'account' ? { kind: 'account', failure } : { kind: 'retry', failure };
  }
  deps.metrics.sesLatency(performance.now() - started);
  await deps.sends.markSent(ref, leaseId, sesMessageId, deps.clock());
  deps.metrics.sent();
  return { kind: 'sent', sesMessageId };
}
