import {
  routeKeyOf,
  SUPPRESSION_IMPORT_PATH,
  SUPPRESSION_PATH,
  SUPPRESSIONS_PATH,
} from '../contract/api-routes.js';
import type { ImportTooLarge, NotSuppressed } from '../contract/api-schemas.js';
import { CampaignFileError } from '../core/domain/campaign-file-error.js';
import { maskEmail } from '../core/domain/email-address.js';
import type { PageCursors } from '../core/domain/page-cursor.js';
import type { Suppression } from '../core/domain/suppression.js';
import type { ApiKeyCheck } from '../core/http/api-key-check.js';
import { csvBodyOf } from '../core/http/csv-body.js';
import { fileProblemOf } from '../core/http/file-problem.js';
import { HttpError } from '../core/http/http-error.js';
import { type HttpHandler, httpFunction } from '../core/http/http-function.js';
import { jsonResponse } from '../core/http/json-response.js';
import { logger } from '../core/observability/logger.js';
import type { SuppressionStore } from '../core/store/suppression-store.js';
import { addressArgument } from './email-argument.js';
import { importAddresses } from './import-addresses.js';
import { listPage } from './list-page.js';
import { suppressionAnswer } from './suppression-answer.js';
import { suppressionNoteOf } from './suppression-note.js';

export interface SuppressionsHandlerDeps {
  suppressions: Pick<SuppressionStore, 'get' | 'put' | 'remove' | 'page' | 'addMissing'>;
  cursors: PageCursors;
  apiKeys: Pick<ApiKeyCheck, 'require'>;
  clock: () => Date;
  /** MAX_SUPPRESSION_IMPORT_BYTES: the largest file an import takes, sent so or once unpacked. */
  maxImportBytes: number;
}

const LIST = routeKeyOf({ method: 'GET', path: SUPPRESSIONS_PATH });
const PUT = routeKeyOf({ method: 'PUT', path: SUPPRESSION_PATH });
const DELETE = routeKeyOf({ method: 'DELETE', path: SUPPRESSION_PATH });
const IMPORT = routeKeyOf({ method: 'POST', path: SUPPRESSION_IMPORT_PATH });

/** The 413 of an import above the limit: a list that large is sent in parts. */
export function importTooLarge(maxBytes: number, size?: number): HttpError {
  const details: Omit<ImportTooLarge, 'error'> = { problem: 'REQUEST_TOO_LARGE', maxBytes };
  return new HttpError(
    413,
    `the file is ${size === undefined ? `more than ${maxBytes}` : size} bytes; an import takes at most ${maxBytes} bytes: split the list and import each part`,
    details,
  );
}

function notSuppressed(email: string): HttpError {
  const details: Omit<NotSuppressed, 'error'> = { problem: 'NOT_SUPPRESSED', email };
  return new HttpError(404, `${email} is not on the suppression list`, details);
}

/**
 * The project's suppression list over HTTP, for keys of the `upload` scope: look an address up or page
 * the list (GET /suppressions), add or replace one by hand (PUT /suppressions/{email}, reason MANUAL with
 * the person's note), remove one (DELETE), add a CSV of addresses (POST /suppressions/import). Every
 * address is normalised as the list is keyed; every read is by key or by the list's index partition.
 */
export function createSuppressionsHandler(deps: SuppressionsHandlerDeps): HttpHandler {
  const body = { maxBytes: deps.maxImportBytes, tooLarge: importTooLarge };
  return httpFunction('suppressions', { apiKeys: deps.apiKeys, body }, async (event) => {
    const query = event.queryStringParameters ?? {};
    switch (event.routeKey) {
      case LIST: {
        if (query.email === undefined) {
          return jsonResponse(200, await listPage(deps.suppressions, deps.cursors, query), {
            'cache-control': 'no-store',
          });
        }
        const email = addressArgument(query.email, 'query parameter email');
        const entry = await deps.suppressions.get(email);
        if (entry === undefined) throw notSuppressed(email);
        return jsonResponse(200, suppressionAnswer(entry), { 'cache-control': 'no-store' });
      }
      case PUT: {
        const email = addressArgument(event.pathParameters?.email, 'the path segment');
        const note = suppressionNoteOf({
          headers: event.headers ?? {},
          ...(event.body === undefined ? {} : { body: event.body }),
          isBase64Encoded: event.isBase64Encoded,
        });
        const entry: Suppression = {
          email,
          reason: 'MANUAL',
          detail: note.reason,
          addedAt: deps.clock().toISOString(),
        };
        await deps.suppressions.put(entry);
        logger.info('address suppressed by hand', { email: maskEmail(email) });
        return jsonResponse(200, suppressionAnswer(entry));
      }
      case DELETE: {
        const email = addressArgument(event.pathParameters?.email, 'the path segment');
        const removed = await deps.suppressions.remove(email);
        if (removed === undefined) throw notSuppressed(email);
        logger.info('address removed from the suppression list', {
          email: maskEmail(email),
          reason: removed.reason,
        });
        return jsonResponse(200, suppressionAnswer(removed));
      }
      case IMPORT: {
        const file = await csvBodyOf(
          {
            headers: event.headers ?? {},
            ...(event.body === undefined ? {} : { body: event.body }),
            isBase64Encoded: event.isBase64Encoded,
          },
          {
            maxBytes: deps.maxImportBytes,
            tooLarge: importTooLarge,
            fieldNames: [],
            formHolds: 'an import needs the file alone',
          },
        );
        try {
          const result = await importAddresses(file.bytes, deps);
          const { invalidList: _list, ...counts } = result;
          logger.info('addresses imported to the suppression list', counts);
          return jsonResponse(200, result);
        } catch (error) {
          if (!(error instanceof CampaignFileError)) throw error;
          // A `sep=` line that declares no delimiter taken: the file is refused as a campaign would be.
          const { error: message, ...details } = fileProblemOf(error);
          throw new HttpError(400, message, details);
        }
      }
      default:
        // route-access.ts answers 404 for a route key that is none of this function's.
        throw new Error(`suppressions has no handler for ${event.routeKey}`);
    }
  });
}
