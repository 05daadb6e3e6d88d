import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrioritySignalStore } from '../../lambdas/core/store/priority-signal-store.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';

let aws: TestAws;
let store: PrioritySignalStore;
beforeAll(async () => {
  aws = await startTestAws();
  store = new PrioritySignalStore(aws.clients.documents, aws.tableName);
});
afterAll(() => aws.stop());

const NOTICE = 4_000;
const LEASE = 10_000;
/** Each test at its own hour: the signal of the one before has long gone down by then. */
const hour = (n: number) => Date.UTC(2026, 11, 3, n, 0, 0);

describe('the priority signal', () => {
  it('is absent until a high sender raises it, then up from that instant for the lease', async () => {
    expect(await store.read()).toBeUndefined();
    const t = hour(1);
    expect(await store.raise(t, t + LEASE, NOTICE)).toEqual({ since: t, upUntil: t + LEASE });
    expect(await store.read()).toEqual({ since: t, upUntil: t + LEASE });
  });

  it('keeps its stretch when extended while still up beyond the notice', async () => {
    const t = hour(2);
    await store.raise(t, t + LEASE, NOTICE);
    const later = t + 5_000;
    expect(await store.raise(later, later + LEASE, NOTICE)).toEqual({ since: t, upUntil: later + LEASE });
    // A raise asking for less than it already has changes nothing.
    expect(await store.raise(later + 1, later + 2, NOTICE)).toEqual({ since: t, upUntil: later + LEASE });
  });

  it('starts a new stretch when raised after it went down, or so close to its end that a reader may miss the extension', async () => {
    const t = hour(3);
    await store.raise(t, t + LEASE, NOTICE);
    const late = t + LEASE - NOTICE + 1;
    expect(await store.raise(late, late + LEASE, NOTICE)).toEqual({ since: late, upUntil: late + LEASE });
    const after = late + LEASE + 60_000;
    expect(await store.raise(after, after + LEASE, NOTICE)).toEqual({ since: after, upUntil: after + LEASE });
  });

  it('gives every one of many high senders raising at once the same stretch', async () => {
    const t = hour(4);
    const raised = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.raise(t + i, t + i + LEASE, NOTICE)),
    );
    const stretches = new Set(raised.map((signal) => signal.since));
    expect(stretches.size).toBe(1);
    const stored = await store.read();
    expect(stored?.since).toBe(raised[0]?.since);
    expect(stored?.upUntil).toBe(t + 7 + LEASE);
  });
});
