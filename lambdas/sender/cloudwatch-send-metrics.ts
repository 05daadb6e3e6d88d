import { METRIC, MetricUnit, metrics } from '../core/observability/metrics.js';
import type { SendMetrics } from './send-metrics.js';

export const cloudWatchSendMetrics: SendMetrics = {
  sent: () => metrics.addMetric(METRIC.emailsSent, MetricUnit.Count, 1),
  failed: () => metrics.addMetric(METRIC.emailsFailed, MetricUnit.Count, 1),
  suppressed: () => metrics.addMetric(METRIC.emailsSuppressed, MetricUnit.Count, 1),
  throttled: () => metrics.addMetric(METRIC.sesThrottles, MetricUnit.Count, 1),
  sesLatency: (ms) => metrics.addMetric(METRIC.sesLatency, MetricUnit.Milliseconds, ms),
  deferred: (count) => metrics.addMetric(METRIC.sendsDeferred, MetricUnit.Count, count),
  held: () => metrics.addMetric(METRIC.sendsHeld, MetricUnit.Count, 1),
  cancelled: () => metrics.addMetric(METRIC.emailsCancelled, MetricUnit.Count, 1),
};
