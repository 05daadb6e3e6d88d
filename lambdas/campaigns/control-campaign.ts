import { type ControlAction, refusalOf } from '../core/domain/batch-state.js';
import { guardrailBaselineOf } from '../core/domain/guardrail.js';
import { SendOptionError, sendAtOf } from '../core/domain/send-options.js';
import { HttpError } from '../core/http/http-error.js';
import type { WriteQueue } from '../core/queue/write-queue.js';
import type { BatchSchedules } from '../core/schedule/batch-schedules.js';
import type { BatchControl, BatchControlStore } from '../core/store/batch-control-store.js';
import type { BatchProgress, BatchProgressReader } from '../core/store/batch-progress.js';
import type { BatchStore } from '../core/store/batch-store.js';
import type { CounterStore } from '../core/store/counter-store.js';
import type { ControlRequest } from './control-request.js';

export interface ControlDeps {
  controls: Pick<BatchControlStore, 'get' | 'create' | 'apply'>;
  progress: Pick<BatchProgressReader, 'progress'>;
  batches: Pick<BatchStore, 'getBatch'>;
  writeQueue: Pick<WriteQueue, 'runJob'>;
  schedules: Pick<BatchSchedules, 'set' | 'remove'>;
  /** A resume notes its release as the batch's last activity (CounterStore.noteActivity). */
  counters: Pick<CounterStore, 'noteActivity'>;
  clock: () => Date;
  retentionSeconds: number;
}

/**
 * How long a resume waits before its release job puts the held sends back on the queue: longer than a
 * sender trusts the state it read (CONTROL_CACHE_MS, 3 s), so that no sender still sees the batch paused
 * and holds a released message back again.
 */
export const RELEASE_DELAY_SECONDS = 5;

/** The 409 of an action the batch's state does not allow, naming the state. */
const refused = (message: string, control: BatchControl) =>
  new HttpError(409, message, { problem: 'INVALID_STATE', state: control.state });

/**
 * Pause, resume, cancel or reschedule a batch (issue 15). The change of state is one conditional write
 * (batch-control-store.ts); what follows it is idempotent and may be repeated by a retried request:
 * - pause: nothing more. Each sender reads the state before each send (at most 3 s old) and sets the
 *   paused batch's messages aside, unclaimed, without counting them as failed receives.
 * - resume: a release job (batch-jobs.ts) puts every open send of the batch back on the queue, a few
 *   seconds later; a send with a message still on the queue gets a second one, which its claim refuses.
 *   The release's time is noted as the batch's last activity, so that the sweeper leaves it alone.
 * - cancel: a cancel job ends every open send CANCELLED; a sender that meets a cancelled batch's message
 *   ends its send CANCELLED too; a scheduled batch's schedule is removed.
 * - schedule: a scheduled batch's sendAt moves, and its schedule with it.
 * Returns the batch's control and progress after the change.
 */
export async function controlCampaign(
  batchId: string,
  action: Exclude<ControlAction, 'start'>,
  request: ControlRequest,
  deps: ControlDeps,
): Promise<{ control: BatchControl; progress: BatchProgress }> {
  const now = deps.clock();
  let [control, progress] = await Promise.all([
    deps.controls.get(batchId, { consistent: true }),
    deps.progress.progress(batchId),
  ]);
  if (!control) {
    // A batch uploaded before batches had a state is sending; one without a record is no batch.
    const batch = await deps.batches.getBatch(batchId);
    if (!batch) throw new HttpError(404, `no batch has the id "${batchId}"`);
    const expiresAt = Math.floor(Date.parse(batch.createdAt) / 1000) + deps.retentionSeconds;
    await deps.controls.create({ batchId, state: 'SENDING', priority: 'normal' }, now, expiresAt);
    control = await deps.controls.get(batchId, { consistent: true });
    if (!control) throw new Error(`the control of batch ${batchId} was not written`);
  }
  const refusal = refusalOf(action, control.state, progress.finished);
  if (refusal !== undefined) throw refused(refusal, control);
  let sendAt: string | undefined;
  if (action === 'schedule') {
    if (request.sendAt === undefined)
      throw new HttpError(400, 'a schedule needs sendAt, an ISO-8601 date-time with its zone', {
        problem: 'INVALID_SEND_OPTION',
      });
    try {
      sendAt = sendAtOf(request.sendAt, now);
    } catch (error) {
      if (error instanceof SendOptionError)
        throw new HttpError(400, error.message, { problem: 'INVALID_SEND_OPTION' });
      throw error;
    }
  }
  // A resume of the guardrail's pause is deliberate: the guardrail judges what comes after it.
  const afterGuardrail = action === 'resume' && control.changes.at(-1)?.by === 'guardrail';
  const result = await deps.controls.apply(batchId, action, now, 'request', {
    ...(request.reason === undefined ? {} : { reason: request.reason }),
    ...(sendAt === undefined ? {} : { sendAt }),
    ...(afterGuardrail ? { guardrailFrom: guardrailBaselineOf(progress.counts) } : {}),
  });
  if (result.kind === 'unknown') throw new HttpError(404, `no batch has the id "${batchId}"`);
  if (result.kind === 'refused') {
    // Another request changed the state first.
    throw refused(
      refusalOf(action, result.control.state, progress.finished) ?? 'the batch changed state meanwhile',
      result.control,
    );
  }
  switch (action) {
    case 'resume':
      if (!progress.finished) {
        // Counted from the release: the sweeper takes a batch whose counters are quiet for a stalled one
        // and counts its sends, which a paused batch's are; its released sends' first counts come only
        // when their senders' invocations end.
        const createdAt = Date.parse(progress.writer?.createdAt ?? now.toISOString());
        await deps.counters.noteActivity(
          batchId,
          new Date(now.getTime() + RELEASE_DELAY_SECONDS * 1000),
          Math.floor(createdAt / 1000) + deps.retentionSeconds,
        );
      }
      await deps.writeQueue.runJob({ kind: 'release', batchId }, RELEASE_DELAY_SECONDS);
      break;
    case 'cancel':
      if (result.before === 'SCHEDULED') await deps.schedules.remove(batchId);
      await deps.writeQueue.runJob({ kind: 'cancel', batchId });
      break;
    case 'schedule':
      if (sendAt !== undefined) await deps.schedules.set(batchId, sendAt);
      break;
    case 'pause':
      break;
  }
  progress = await deps.progress.progress(batchId);
  return { control: result.control, progress };
}
