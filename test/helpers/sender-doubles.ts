import type { SendMetrics } from '../../lambdas/sender/send-metrics.js';
import type { SendPacing } from '../../lambdas/sender/send-pacing.js';

/** Metrics that go nowhere: for tests that are not about what the sender counts. */
export const noSendMetrics: SendMetrics = {
  sent: () => {},
  failed: () => {},
  suppressed: () => {},
  throttled: () => {},
  sesLatency: () => {},
  deferred: () => {},
  held: () => {},
  cancelled: () => {},
};

/** No pacing at all: for tests and benchmarks that are not about the rate. */
export const unpaced: SendPacing = {
  begin: () => () => {},
  acquire: async () => {},
  nextSlotInMs: () => 0,
  throttled: () => {},
};
