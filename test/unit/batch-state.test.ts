import { describe, expect, it } from 'vitest';
import {
  type ControlAction,
  mayMail,
  refusalOf,
  STORED_BATCH_STATES,
  type StoredBatchState,
  shownState,
  stateAfter,
} from '../../lambdas/core/domain/batch-state.js';

const ALLOWED: [ControlAction, StoredBatchState, StoredBatchState][] = [
  ['pause', 'SENDING', 'PAUSED'],
  ['resume', 'PAUSED', 'SENDING'],
  ['cancel', 'SCHEDULED', 'CANCELLED'],
  ['cancel', 'SENDING', 'CANCELLED'],
  ['cancel', 'PAUSED', 'CANCELLED'],
  ['schedule', 'SCHEDULED', 'SCHEDULED'],
  ['start', 'SCHEDULED', 'SENDING'],
];
const ACTIONS: ControlAction[] = ['pause', 'resume', 'cancel', 'schedule', 'start'];

describe('the state of a batch', () => {
  it.each(ALLOWED)('allows %s from %s, to %s', (action, from, to) => {
    expect(refusalOf(action, from, false)).toBeUndefined();
    expect(stateAfter(action)).toBe(to);
  });

  it('refuses every other action in every state, naming the state and what would be needed', () => {
    const refused = ACTIONS.flatMap((action) =>
      STORED_BATCH_STATES.filter((from) => !ALLOWED.some(([a, f]) => a === action && f === from)).map(
        (from) => [action, from] as const,
      ),
    );
    expect(refused).toHaveLength(ACTIONS.length * STORED_BATCH_STATES.length - ALLOWED.length);
    for (const [action, from] of refused) {
      const refusal = refusalOf(action, from, false);
      expect(refusal, `${action} from ${from}`).toContain(`the batch is ${from}`);
    }
    expect(refusalOf('resume', 'CANCELLED', false)).toBe(
      'the batch is CANCELLED: only a PAUSED batch can be resumed',
    );
  });

  it('shows a SENDING batch with no open send as FINISHED, which nothing can pause, resume or cancel', () => {
    expect(shownState('SENDING', true)).toBe('FINISHED');
    expect(shownState('PAUSED', true)).toBe('PAUSED');
    for (const action of ACTIONS) expect(refusalOf(action, 'SENDING', true)).toContain('FINISHED');
  });

  it('lets the sender mail a batch only while it is SENDING', () => {
    expect(STORED_BATCH_STATES.filter(mayMail)).toEqual(['SENDING']);
  });
});
