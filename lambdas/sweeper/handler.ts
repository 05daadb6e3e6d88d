import { logger } from '../core/observability/logger.js';
import { recoverAll, type SweepDeps, type SweepSettings, sweepBatches } from './sweep-batches.js';

/**
 * What invokes the sweeper: EventBridge's schedule (any event without `recoverAll`), or an operator or
 * the local runner asking for every unfinished send and writer to be set going again, whatever their
 * age: after the queues lost their messages (a purge; the local runner's in-memory queues on a restart).
 */
export interface SweepRequest {
  recoverAll?: boolean;
}

export function createSweeperHandler(deps: SweepDeps, settings: SweepSettings) {
  return async (event: SweepRequest | null | undefined): Promise<void> => {
    if (event?.recoverAll === true) {
      const result = await recoverAll(deps, settings);
      logger.info('recovery finished', { ...result });
      return;
    }
    const result = await sweepBatches(deps, settings);
    logger.info('sweep finished', { ...result });
  };
}
