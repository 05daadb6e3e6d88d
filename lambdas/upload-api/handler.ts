import { randomUUID } from 'node:crypto';
import { IdempotencyKeySchema, type IngestReport } from '../contract/api-schemas.js';
import type { ApiKeyCheck } from '../core/http/api-key-check.js';
import { HttpError } from '../core/http/http-error.js';
import { type HttpHandler, httpFunction } from '../core/http/http-function.js';
import { jsonTextResponse } from '../core/http/json-response.js';
import { STORED_LIST_LIMIT } from '../core/ingest/ingest-report.js';
import { logger } from '../core/observability/logger.js';
import {
  AnswerTooLargeError,
  type IdempotencyStore,
  type StoredAnswer,
} from '../core/store/idempotency-store.js';
import { type AcceptDeps, acceptUpload, type Outcome } from './accept-upload.js';
import { uploadedFile, uploadTooLarge } from './upload-body.js';

export interface IngestHandlerDeps extends AcceptDeps {
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

const stored = (outcome: Outcome): StoredAnswer => ({
  statusCode: outcome.statusCode,
  body: JSON.stringify(outcome.body),
});

/**
 * POST /campaigns/upload: reads the CSV, stores it for the writer and answers with the report
 * (accept-upload.ts). With an Idempotency-Key (see idempotency-store.ts) a retry gets the first answer
 * again; without one, the same file as a batch of the last day is refused (409) unless allowDuplicate.
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
    if (idempotencyKey === undefined) {
      const outcome = await acceptUpload(file, deps.newBatchId(), deps, {
        checkDuplicate: !file.allowDuplicate,
      });
      return jsonAnswer(stored(outcome), retryAfterOf(outcome));
    }

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
      // A retry under the key is no duplicate; a resumed attempt stores the same file under the same batch.
      outcome = await acceptUpload(file, claim.batchId, deps, { checkDuplicate: false });
    } catch (error) {
      // Not an answer for this file (an outage, a bug): let a retry take the key over at once.
      await deps.idempotency.release(keyId, idempotencyKey, claim.attemptId).catch((releaseError) => {
        logger.error('could not release an idempotency key', { error: releaseError });
      });
      throw error;
    }
    await storeOutcome(keyId, idempotencyKey, claim.attemptId, stored(outcome));
    return jsonAnswer(stored(outcome));
  });

  async function storeOutcome(keyId: string, key: string, attemptId: string, outcome: StoredAnswer) {
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
        suppressedList: body.suppressedList?.slice(0, STORED_LIST_LIMIT),
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

/** A refusal that passes with time says when to come back, as HTTP has it. */
function retryAfterOf(outcome: Outcome): Record<string, string> {
  const seconds = 'retryAfterSeconds' in outcome.body ? outcome.body.retryAfterSeconds : undefined;
  return seconds === undefined ? {} : { 'retry-after': String(seconds) };
}
