import { randomUUID } from 'node:crypto';
import {
  type FileProblem,
  IdempotencyKeySchema,
  type IngestReport,
  type NothingAccepted,
} from '../contract/api-schemas.js';
import { CampaignFileError } from '../core/domain/campaign-file-error.js';
import { readCampaign } from '../core/domain/campaign-reader.js';
import type { ApiKeyCheck } from '../core/http/api-key-check.js';
import { fileProblemOf } from '../core/http/file-problem.js';
import { HttpError } from '../core/http/http-error.js';
import { type HttpHandler, httpFunction } from '../core/http/http-function.js';
import { jsonTextResponse } from '../core/http/json-response.js';
import { type IngestDeps, type IngestUpload, ingestCampaign } from '../core/ingest/ingest-campaign.js';
import { NothingAcceptedError, STORED_LIST_LIMIT } from '../core/ingest/ingest-report.js';
import { addRowMetrics } from '../core/ingest/row-metrics.js';
import { logger } from '../core/observability/logger.js';
import {
  AnswerTooLargeError,
  type IdempotencyStore,
  type StoredAnswer,
} from '../core/store/idempotency-store.js';
import { type UploadedFile, uploadedFile, uploadTooLarge } from './upload-body.js';

export interface IngestHandlerDeps extends IngestDeps {
  newBatchId: () => string;
  maxBodyBytes: number;
  apiKeys: Pick<ApiKeyCheck, 'require'>;
  idempotency: IdempotencyStore;
}

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

function idempotencyKeyOf(headers: Record<string, string | undefined>): string | undefined {
  const key = headers[IDEMPOTENCY_KEY_HEADER];
  if (key === undefined) return undefined;
  const parsed = IdempotencyKeySchema.safeParse(key);
  if (!parsed.success) {
    throw new HttpError(400, 'the Idempotency-Key header must be 1 to 255 printable ASCII characters', {
      problem: 'INVALID_IDEMPOTENCY_KEY',
    });
  }
  return parsed.data;
}

const answerOf = (statusCode: number, body: IngestReport | FileProblem | NothingAccepted): StoredAnswer => ({
  statusCode,
  body: JSON.stringify(body),
});

/** An answer that is final for the file: stored under an Idempotency-Key and given again to a retry. */
type Outcome = StoredAnswer & { report?: IngestReport };

/**
 * POST /campaigns/upload: reads the CSV, creates the batch and answers with the ingest report.
 * With an Idempotency-Key (see idempotency-store.ts) a retry gets the first answer again.
 */
export function createIngestHandler(deps: IngestHandlerDeps): HttpHandler {
  // A compressed upload may unpack to no more than a plain one may be, and is answered the same 413.
  const body = { maxBytes: deps.maxBodyBytes, tooLarge: uploadTooLarge };
  return httpFunction('uploadApi', { apiKeys: deps.apiKeys, body }, async (event, context) => {
    const headers = event.headers ?? {};
    // Set by the stack, which refused the request before its body was read unless the key has the scope.
    const keyId = context.apiKeyId;
    if (keyId === undefined) throw new Error('the upload route ran without an API key');
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
      return jsonAnswer(await ingest(file, { batchId: deps.newBatchId(), mode: 'new' }));

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
          { 'retry-after': String(claim.retryAfterSeconds) },
        );
      case 'replay':
        return jsonAnswer(claim.answer, { 'idempotent-replayed': 'true' });
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
    return jsonAnswer(outcome);
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
      return { ...answerOf(202, report), report };
    } catch (error) {
      if (error instanceof CampaignFileError) return answerOf(400, fileProblemOf(error));
      if (error instanceof NothingAcceptedError) {
        const { batchId: _none, ...report } = error.report;
        addRowMetrics(report);
        return answerOf(422, { error: 'no row of the file can be sent; nothing was queued', ...report });
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

const jsonAnswer = (answer: StoredAnswer, headers: Record<string, string> = {}) =>
  jsonTextResponse(answer.statusCode, answer.body, headers);
