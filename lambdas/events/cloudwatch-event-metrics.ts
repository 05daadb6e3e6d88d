import { METRIC, SES_EVENT_TYPE_DIMENSION } from '../contract/metric-names.js';
import type { SesEventType } from '../contract/ses-event-types.js';
import { MetricUnit, metrics } from '../core/observability/metrics.js';
import type { EventMetrics } from './event-metrics.js';

/**
 * CloudWatch's: the unknown sends and suppressions with the invocation's other metrics, and the events by
 * type summed over the invocation and written once per type as it ends (a dimension per type needs a
 * metric line of its own: Powertools' singleMetric).
 */
export function cloudWatchEventMetrics(): EventMetrics {
  let byType = new Map<SesEventType, number>();
  return {
    event: (type) => byType.set(type, (byType.get(type) ?? 0) + 1),
    unknownSend: () => metrics.addMetric(METRIC.sesEventsUnknownSend, MetricUnit.Count, 1),
    suppressionAdded: () => metrics.addMetric(METRIC.suppressionsAdded, MetricUnit.Count, 1),
    pausedByGuardrail: () => metrics.addMetric(METRIC.batchesPausedByGuardrail, MetricUnit.Count, 1),
    flush: () => {
      const counted = byType;
      byType = new Map();
      for (const [type, count] of counted) {
        const single = metrics.singleMetric();
        single.addDimension(SES_EVENT_TYPE_DIMENSION, type);
        single.addMetric(METRIC.sesEvents, MetricUnit.Count, count);
      }
    },
  };
}
