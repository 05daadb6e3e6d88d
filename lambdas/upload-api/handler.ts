import { randomUUID } from 'node:crypto';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CampaignFileError } from '../core/domain/campaign-file-error.js';
import { readCampaign } from '../core/domain/campaign-reader.js';
import type { ApiKeyCheck } from '../core/http/api-key-check.js';
import { HttpError } from '../core/http/http-error.js';
import { jsonErrors } from '../core/http/json-errors.js';
import { type IngestDeps, type IngestUpload, ingestCampaign } from '../core/ingest/ingest-campaign.js';
import { type IngestReport, NothingAcceptedError, STORED_LIST_LIMIT } from '../core/ingest/ingest-report.js';
import { addRowMetrics } from '../core/ingest/row-metrics.js';
import { logger } from '../core/observability/logger.js';
import {
  AnswerTooLargeError,
  type IdempotencyStore,
  type StoredAnswer,
} from '../core/store/idempotency-store.js';
import { type UploadedFile, uploadedFile } from './upload-body.js';

export interface IngestHandlerDeps extends IngestDeps {
  newBatchId: () => string;
  maxBodyBytes: number;
  apiKeys: ApiKeyCheck;
  idempotency: IdempotencyStore;
}

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** Printable ASCII, 1 to 255 characters: what fits a header and a log line unchanged. */
function idempotencyKeyOf(headers: Record<string, string | undefined>): string | undefined {
  const key = headers[IDEMPOTENCY_KEY_HEADER];
  if (key === undefined) return undefined;
  if (key.length === 0 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH || !/^[\x20-\x7e]+$/.test(key)) {
    throw new HttpError(
      400,
      `the Idempotency-Key header must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters`,
      { problem: 'INVALID_IDEMPOTENCY_KEY' },
    );
  }
  return key;
}

/** An answer that is final for the file: stored under an Idempotency-Key and given again to a retry. */
type Outcome = StoredAnswer & { report?: IngestReport };

/**
 * POST /campaigns/upload: reads the CSV, creates the batch and answers with the ingest report.
 * With an Idempotency-Key (see idempotency-store.ts) a retry gets the first answer again.
 */
export function createIngestHandler(deps: IngestHandlerDeps) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(jsonErrors())
    .handler(async (event) => {
      const headers = event.headers ?? {};
      // First, before the body is read: refuses a missing, unknown or revoked key, or a key without the scope.
      const keyId = await deps.apiKeys.require(headers, 'upload');
      const idempotencyKey = idempotencyKeyOf(headers);
      const file = await uploadedFile(
        {
          headers,
          body: event.body,
          isBase64Encoded: event.isBase64Encoded,
          query: event.queryStringParameters ?? {},
        },
        deps.maxBodyBytes,
      );
      if (idempotencyKey === undefined)
        return jsonBody(await ingest(file, { batchId: deps.newBatchId(), mode: 'new' }));

      const fingerprint = `${file.sha256}:dryRun=${file.dryRun}`;
      const claim = await deps.idempotency.claim(
        keyId,
        idempotencyKey,
        fingerprint,
        { batchId: deps.newBatchId(), attemptId: randomUUID() },
        deps.clock(),
      );
      switch (claim.kind) {
        case 'conflict':
          throw new HttpError(
            409,
            'this Idempotency-Key was used with a different file or options; use a new key for a new upload',
            { problem: 'IDEMPOTENCY_KEY_REUSED' },
          );
        case 'in-progress':
          throw new HttpError(
            409,
            `an upload with this Idempotency-Key is still in progress; retry in ${claim.retryAfterSeconds} s`,
            { problem: 'IDEMPOTENCY_KEY_IN_PROGRESS', retryAfterSeconds: claim.retryAfterSeconds },
          );
        case 'replay':
          return jsonBody(claim.answer, { 'idempotent-replayed': 'true' });
        case 'claimed':
          break;
      }
      let outcome: Outcome;
      try {
        outcome = await ingest(file, { batchId: claim.batchId, mode: claim.resume ? 'resume' : 'new' });
      } catch (error) {
        // Not an answer for this file (an outage, a bug): let a retry take the key over at once.
        await deps.idempotency.release(keyId, idempotencyKey, claim.attemptId).catch((releaseError) => {
          logger.error('could not release an idempotency key', { error: releaseError });
        });
        throw error;
      }
      await storeOutcome(keyId, idempotencyKey, claim.attemptId, outcome);
      return jsonBody(outcome);
    });

  async function ingest(file: UploadedFile, batch: Pick<IngestUpload, 'batchId' | 'mode'>): Promise<Outcome> {
    try {
      const report = await ingestCampaign(readCampaign(file.content), deps, {
        ...(file.fileName ? { fileName: file.fileName } : {}),
        ...batch,
        dryRun: file.dryRun,
      });
      logger.info('batch ingested', {
        batchId: report.batchId,
        received: report.received,
        accepted: report.accepted,
        duplicates: report.duplicates,
        invalid: report.invalid,
        encoding: report.encoding,
        dryRun: report.dryRun,
      });
      addRowMetrics(report);
      return { statusCode: 202, body: JSON.stringify(report), report };
    } catch (error) {
      if (error instanceof CampaignFileError) {
        const body = { error: error.message, problem: error.problem, ...error.details };
        return { statusCode: 400, body: JSON.stringify(body) };
      }
      if (error instanceof NothingAcceptedError) {
        const { batchId: _none, ...report } = error.report;
        addRowMetrics(report);
        const body = { error: 'no row of the file can be sent; nothing was queued', ...report };
        return { statusCode: 422, body: JSON.stringify(body) };
      }
      throw error;
    }
  }

  async function storeOutcome(keyId: string, key: string, attemptId: string, outcome: Outcome) {
    try {
      await deps.idempotency.complete(keyId, key, attemptId, outcome);
    } catch (error) {
      if (!(error instanceof AnswerTooLargeError)) throw error;
      // Only a pathological report gets here: a retry is then told the totals and the first entries.
      const body = JSON.parse(outcome.body) as Partial<IngestReport>;
      const shorter = {
        ...body,
        errors: body.errors?.slice(0, STORED_LIST_LIMIT),
        duplicatesList: body.duplicatesList?.slice(0, STORED_LIST_LIMIT),
        truncated: true,
      };
      await deps.idempotency.complete(keyId, key, attemptId, {
        statusCode: outcome.statusCode,
        body: JSON.stringify(shorter),
      });
    }
  }
}

function jsonBody(
  answer: StoredAnswer,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: answer.statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: answer.body,
  };
}
