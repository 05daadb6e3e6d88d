import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type ApiKeyCheck, requireApiKey } from '../auth/api-key-check.js';
import { CampaignFileError } from '../domain/campaign-file-error.js';
import { readCampaign } from '../domain/campaign-reader.js';
import { HttpError } from '../http/http-error.js';
import { jsonErrors } from '../http/json-errors.js';
import { jsonResponse } from '../http/json-response.js';
import { logger } from '../observability/logger.js';
import { METRIC, MetricUnit, metrics } from '../observability/metrics.js';
import { type IngestDeps, ingestCampaign, NothingAcceptedError } from './ingest-campaign.js';
import { uploadedFile } from './upload-body.js';

export interface IngestHandlerDeps extends IngestDeps {
  maxBodyBytes: number;
  apiKeys: ApiKeyCheck;
}

/** POST /campaigns/upload: reads the CSV, creates the batch and answers with the ingest report. */
export function createIngestHandler(deps: IngestHandlerDeps) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(jsonErrors())
    .use(requireApiKey(deps.apiKeys, 'upload'))
    .handler(async (event) => {
      const file = await uploadedFile(
        { headers: event.headers ?? {}, body: event.body, isBase64Encoded: event.isBase64Encoded },
        deps.maxBodyBytes,
      );
      try {
        const report = await ingestCampaign(readCampaign(file.content), deps, { fileName: file.fileName });
        logger.info('batch ingested', {
          batchId: report.batchId,
          received: report.received,
          accepted: report.accepted,
          duplicates: report.duplicates,
          invalid: report.invalid,
        });
        metrics.addMetric(METRIC.rowsAccepted, MetricUnit.Count, report.accepted);
        metrics.addMetric(METRIC.rowsRejected, MetricUnit.Count, report.invalid + report.duplicates);
        return jsonResponse(202, report);
      } catch (error) {
        if (error instanceof CampaignFileError)
          throw new HttpError(400, error.message, { problem: error.problem });
        if (error instanceof NothingAcceptedError) {
          const { batchId: _none, ...report } = error.report;
          metrics.addMetric(METRIC.rowsRejected, MetricUnit.Count, report.invalid + report.duplicates);
          throw new HttpError(422, 'no row of the file can be sent; nothing was queued', report);
        }
        throw error;
      }
    });
}
