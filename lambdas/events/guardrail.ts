import { type GuardrailLimits, guardrailBreach } from '../core/domain/guardrail.js';
import { logger } from '../core/observability/logger.js';
import type { BatchControlStore } from '../core/store/batch-control-store.js';
import type { BatchProgressReader } from '../core/store/batch-progress.js';
import type { EventMetrics } from './event-metrics.js';

export interface GuardrailDeps {
  progress: Pick<BatchProgressReader, 'progress'>;
  controls: Pick<BatchControlStore, 'get' | 'apply'>;
  metrics: Pick<EventMetrics, 'pausedByGuardrail'>;
  limits: GuardrailLimits;
  clock: () => Date;
}

/**
 * After an invocation's bounces and complaints are counted: each batch they belong to whose rate passed
 * its limit (guardrail.ts in the domain) is paused, by the guardrail, with the rate as its reason. The
 * marketer resumes it deliberately (POST /campaigns/{batchId}/resume), and from then on the guardrail judges
 * only the mails after that resume (GuardrailBaseline). A batch that is not SENDING (paused already,
 * cancelled, scheduled) or has nothing open is left as it is. Reads the batch's control and progress
 * (three requests) only for batches an invocation bounced or complained in; a failure is logged, not thrown: the
 * events themselves are recorded, and the next bounce checks again.
 */
export async function applyGuardrail(batchIds: Iterable<string>, deps: GuardrailDeps): Promise<void> {
  for (const batchId of new Set(batchIds)) {
    try {
      const control = await deps.controls.get(batchId);
      if (control !== undefined && control.state !== 'SENDING') continue;
      const progress = await deps.progress.progress(batchId);
      if (progress.finished) continue;
      const breach = guardrailBreach(progress.counts, deps.limits, control?.guardrailFrom);
      if (breach === undefined) continue;
      const result = await deps.controls.apply(batchId, 'pause', deps.clock(), 'guardrail', {
        reason: breach,
      });
      if (result.kind !== 'changed') continue;
      deps.metrics.pausedByGuardrail();
      logger.warn('batch paused by the guardrail; resume it deliberately', { batchId, reason: breach });
    } catch (error) {
      logger.error('the guardrail could not check a batch; the next bounce or complaint checks it again', {
        batchId,
        error: error instanceof Error ? error : String(error),
      });
    }
  }
}
