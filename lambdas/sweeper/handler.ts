import { logger } from '../core/observability/logger.js';
import { type SweepDeps, type SweepSettings, sweepStuckSends } from './sweep-stuck-sends.js';

/**
 * What invokes the sweeper: EventBridge's schedule (any event without `recoverAll`), or an operator or
 * the local runner asking for every unfinished send to go back on the queue now, whatever its age:
 * after the queue lost its messages (a purge; the local runner's in-memory queue after a restart).
 */
export interface SweepRequest {
  recoverAll?: boolean;
}

export function createSweeperHandler(deps: SweepDeps, settings: SweepSettings) {
  return async (event: SweepRequest | null | undefined): Promise<void> => {
    if (event?.recoverAll === true) {
      const handled = await recoverAllUnfinished(deps, settings);
      logger.info('recovery finished', { handled });
      return;
    }
    const result = await sweepStuckSends(deps, settings);
    logger.info('sweep finished', { ...result });
  };
}

/**
 * Sweeps with every threshold at zero until a pass finds nothing. The clock stands still at the start:
 * what a pass touches is stamped with that instant and so is not found again by the next pass, which
 * makes the loop end once every send that was unfinished at the start has been handled.
 */
async function recoverAllUnfinished(deps: SweepDeps, settings: SweepSettings): Promise<number> {
  const startedAt = deps.clock();
  const frozen = { ...deps, clock: () => startedAt };
  const now = { ...settings, pendingAfterSeconds: 0, queuedAfterSeconds: 0, sendingAfterSeconds: 0 };
  let total = 0;
  for (;;) {
    const result = await sweepStuckSends(frozen, now);
    const handled =
      result.requeued.PENDING + result.requeued.QUEUED + result.requeued.SENDING + result.exhausted;
    if (handled === 0) return total;
    total += handled;
  }
}
