import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { METRIC, METRICS_NAMESPACE } from '../../contract/metric-names.js';

/**
 * One metrics buffer per container, flushed as CloudWatch embedded metric format at the end of each
 * invocation (see lambda-powertools.ts). Locally and in tests POWERTOOLS_METRICS_DISABLED keeps the
 * JSON out of the console.
 */
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'campaign-mailer',
});

export { METRIC, MetricUnit };
