/**
 * What a marketer controls of a batch (issue 15):
 *
 *   SCHEDULED ──sendAt reached──▶ SENDING ⇄ PAUSED          (FINISHED: SENDING with no send left open)
 *       │                           │         │
 *       └───────────────────────────┴─────────┴──cancel──▶ CANCELLED
 *
 * The stored state is one of SCHEDULED, SENDING, PAUSED and CANCELLED; FINISHED is what SENDING shows once
 * the batch's progress says no send is open (batch-progress.ts), so no write is needed to finish.
 */
export const STORED_BATCH_STATES = ['SCHEDULED', 'SENDING', 'PAUSED', 'CANCELLED'] as const;
export type StoredBatchState = (typeof STORED_BATCH_STATES)[number];
export type BatchState = StoredBatchState | 'FINISHED';

/** Who moved a batch: a marketer's request, the guardrail on its bounce or complaint rate, its schedule. */
export type BatchStateActor = 'request' | 'guardrail' | 'schedule';

export interface BatchStateChange {
  state: StoredBatchState;
  /** ISO-8601 UTC. */
  at: string;
  by: BatchStateActor;
  /** Why, in words: the guardrail's rate, a marketer's note. */
  reason?: string;
}

/** A request of the control API, and the states it may start from. */
export type ControlAction = 'pause' | 'resume' | 'cancel' | 'schedule' | 'start';

const ALLOWED_FROM: Record<ControlAction, readonly StoredBatchState[]> = {
  // A scheduled batch has nothing to pause: cancel or reschedule it.
  pause: ['SENDING'],
  resume: ['PAUSED'],
  cancel: ['SCHEDULED', 'SENDING', 'PAUSED'],
  schedule: ['SCHEDULED'],
  // The schedule's own trigger; a paused or cancelled batch stays so.
  start: ['SCHEDULED'],
};

const RESULT: Record<ControlAction, StoredBatchState> = {
  pause: 'PAUSED',
  resume: 'SENDING',
  cancel: 'CANCELLED',
  schedule: 'SCHEDULED',
  start: 'SENDING',
};

export function statesAllowing(action: ControlAction): readonly StoredBatchState[] {
  return ALLOWED_FROM[action];
}

export function stateAfter(action: ControlAction): StoredBatchState {
  return RESULT[action];
}

/** The state a reader shows: FINISHED for a SENDING batch none of whose sends is open any more. */
export function shownState(stored: StoredBatchState, finished: boolean): BatchState {
  return stored === 'SENDING' && finished ? 'FINISHED' : stored;
}

/**
 * Why an action makes no sense in a state, in the words a 409 answers with; undefined when it does.
 * `finished` is whether the batch has no open send left.
 */
export function refusalOf(
  action: ControlAction,
  stored: StoredBatchState,
  finished: boolean,
): string | undefined {
  const shown = shownState(stored, finished);
  if (shown === 'FINISHED' && action !== 'cancel')
    return `the batch is FINISHED: every send was mailed or ended; there is nothing to ${action}`;
  if (shown === 'FINISHED')
    return 'the batch is FINISHED: every send was mailed or ended; there is nothing to cancel';
  if (ALLOWED_FROM[action].includes(stored)) return undefined;
  const what: Record<ControlAction, string> = {
    pause: 'only a SENDING batch can be paused',
    resume: 'only a PAUSED batch can be resumed',
    cancel: 'a CANCELLED batch is cancelled already',
    schedule: 'only a SCHEDULED batch that has not started can be rescheduled',
    start: 'only a SCHEDULED batch starts on its schedule',
  };
  return `the batch is ${shown}: ${what[action]}`;
}

/** The sender may mail a batch's sends in this state; in the others it holds or ends them. */
export function mayMail(stored: StoredBatchState): boolean {
  return stored === 'SENDING';
}
