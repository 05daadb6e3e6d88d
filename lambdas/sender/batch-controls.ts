import type { BatchControl, BatchControlStore } from '../core/store/batch-control-store.js';

/**
 * How long a sender trusts the control state it read of a batch. A pause or a cancel reaches every
 * sender within this time plus one SES call, well inside the 10 s the control API promises; a resume's
 * release of the held messages waits longer than this (RELEASE_DELAY_SECONDS), so that no sender still
 * holds them back when they come.
 */
export const CONTROL_CACHE_MS = 3_000;

/** The control state a batch without a control item has: one uploaded before control existed. */
const UNCONTROLLED = { state: 'SENDING' } as const;

type Seen = Pick<BatchControl, 'state' | 'maxRate'>;

/**
 * The control state of the batches a sender container works on, each read at most once per
 * CONTROL_CACHE_MS (one GetItem): a sender checks it before every send at a cost that does not grow with
 * the batch.
 */
export class BatchControls {
  private readonly seen = new Map<string, { control: Seen; readAt: number }>();

  constructor(
    private readonly store: Pick<BatchControlStore, 'get'>,
    private readonly nowMs: () => number,
    private readonly cacheMs = CONTROL_CACHE_MS,
  ) {}

  async of(batchId: string): Promise<Seen> {
    const now = this.nowMs();
    const cached = this.seen.get(batchId);
    if (cached && now - cached.readAt < this.cacheMs) return cached.control;
    const found = await this.store.get(batchId);
    const control: Seen = found
      ? { state: found.state, ...(found.maxRate === undefined ? {} : { maxRate: found.maxRate }) }
      : UNCONTROLLED;
    // A container lives for hours and meets many batches: keep the map small.
    if (this.seen.size > 1000) this.seen.clear();
    this.seen.set(batchId, { control, readAt: now });
    return control;
  }
}
