import { METRIC, MetricUnit, metrics } from '../observability/metrics.js';
import type { IngestReport } from './ingest-report.js';

/**
 * The row metrics of one upload, the same for the API and the S3 path: rows accepted, and rows
 * rejected (invalid or duplicate). A file with nothing accepted counts only its rejected rows.
 */
export function addRowMetrics(report: Pick<IngestReport, 'accepted' | 'invalid' | 'duplicates'>): void {
  if (report.accepted > 0) metrics.addMetric(METRIC.rowsAccepted, MetricUnit.Count, report.accepted);
  metrics.addMetric(METRIC.rowsRejected, MetricUnit.Count, report.invalid + report.duplicates);
}
