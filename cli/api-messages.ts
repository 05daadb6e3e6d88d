import { ApiError, GraphqlError, UnreachableApiError } from './api-client.js';

/**
 * What the marketer reads when the API says no: for every 4xx the API can answer (its `problem` codes
 * are those of lambdas/contract/api-schemas.ts), what went wrong in their words and what to do next.
 * The API's own `error` sentence always follows: it names the line, the column or the limit.
 */

const KEY_HELP =
  'Give a key with --api-key or CAMPAIGN_API_KEY (`npm start` prints a development key; ' +
  '`npm run apikey -- create --name <you> --scopes upload,read` makes one).';

/** By `problem` code: the file as a whole cannot be a campaign (400 FileProblem). */
const FILE_PROBLEMS: Record<string, string> = {
  EMPTY_FILE: 'The file is empty.',
  NO_DATA_ROWS: 'The file has a header line but no recipient below it.',
  MISSING_COLUMNS: 'The file lacks a required column: it needs email, subject and content.',
  DUPLICATE_COLUMNS: 'Two columns of the file have the same name.',
  RECORD_TOO_LONG: 'A row of the file is too long (often a quote that is never closed).',
  UNKNOWN_PLACEHOLDER: 'The subject or content uses a {{placeholder}} that names no column of the file.',
  INVALID_SEPARATOR_LINE: 'The first line `sep=…` names a delimiter other than , ; or tab.',
};

/** Why the S3 ingest refused a large file, by its `code` (GraphQL `upload { error { code } }`). */
export function fileProblemMessage(code: string): string | undefined {
  if (FILE_PROBLEMS[code]) return FILE_PROBLEMS[code];
  if (code === 'NOTHING_ACCEPTED')
    return 'No row of the file can be sent (every row invalid, a duplicate or suppressed).';
  if (code === 'FILE_TOO_LARGE')
    return 'The file is larger than the API takes at all: split it into several campaigns.';
  return undefined;
}

function field(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function explainApiError(error: ApiError): string {
  const { status, body } = error;
  const said = field(body, 'error') ?? JSON.stringify(body);
  const problem = field(body, 'problem');
  const lines = (...parts: (string | undefined)[]) => parts.filter(Boolean).join('\n');
  if (error.request.startsWith('PUT ')) {
    return lines(
      `The storage refused the file (${status}${problem ? ` ${problem}` : ''}): ${said}`,
      status === 403
        ? 'The upload URL expired (15 minutes) or the file changed size since it was asked for: run the command again.'
        : undefined,
    );
  }
  switch (status) {
    case 400: {
      if (problem && FILE_PROBLEMS[problem]) {
        const line = field(body, 'line');
        return lines(
          FILE_PROBLEMS[problem],
          `The API says: ${said}${line ? ` (line ${line})` : ''}`,
          'Nothing was sent.',
        );
      }
      if (problem === 'SIZE_REQUIRED' || problem === 'INVALID_SIZE') {
        return lines('The API did not take the size of the file:', said);
      }
      return lines('The API refused the request as malformed:', said);
    }
    case 401:
      return lines(`The API did not accept the key: ${said}`, KEY_HELP);
    case 403:
      return lines(
        `The key is not allowed to do this: ${said}`,
        'Sending needs a key with the upload scope, following a campaign one with the read scope.',
      );
    case 406:
      return lines(
        `The API cannot answer in a form this client reads (406): ${said}`,
        'Is the API URL that of the campaign mailer?',
      );
    case 409: {
      const retry = field(body, 'retryAfterSeconds');
      if (problem === 'DUPLICATE_FILE') {
        return lines(
          `This file was sent already, as batch ${field(body, 'batchId') ?? '(unknown)'}: ${said}`,
          'Follow that batch with `campaign status <batchId>`, or send the file again with --allow-duplicate.',
        );
      }
      if (problem === 'DUPLICATE_FILE_IN_PROGRESS') {
        return lines(
          `The same file is being uploaded right now: ${said}`,
          `Try again in ${retry ?? 'a few'} seconds, or send it again with --allow-duplicate.`,
        );
      }
      return problem === 'IDEMPOTENCY_KEY_IN_PROGRESS'
        ? lines(
            `An upload with this idempotency key is still running: ${said}`,
            `Try again in ${retry ?? 'a few'} seconds.`,
          )
        : lines(
            `This idempotency key was used before for another file or other options: ${said}`,
            'Use a new key for a new campaign.',
          );
    }
    case 413:
      return problem === 'FILE_TOO_LARGE'
        ? lines(`The file is larger than the API takes at all: ${said}`, 'Split it into several campaigns.')
        : lines(
            `The file is too large for a direct upload: ${said}`,
            'Leave out --direct to upload it as a large file.',
          );
    case 415:
      return lines(`The API did not take the body as a CSV file: ${said}`);
    case 422: {
      const errors = Array.isArray(body.errors) ? (body.errors as { line?: number; reason?: string }[]) : [];
      const suppressed = Array.isArray(body.suppressedList)
        ? (body.suppressedList as { line?: number; email?: string; reason?: string }[])
        : [];
      return lines(
        `No row of the file can be sent, so no campaign was created: ${said}`,
        ...errors.slice(0, 5).map((row) => `  line ${row.line}: ${row.reason}`),
        errors.length > 5 ? `  … and ${errors.length - 5} more` : undefined,
        ...suppressed
          .slice(0, 5)
          .map((row) => `  line ${row.line}: ${row.email} is suppressed (${row.reason})`),
        suppressed.length > 5 ? `  … and ${suppressed.length - 5} more suppressed` : undefined,
      );
    }
    case 429:
      return lines('The API is busy and asks clients to slow down (429). Try again in a moment.');
    default:
      return status >= 500
        ? lines(
            `The API failed on its side (${status}): ${said}`,
            field(body, 'requestId')
              ? `Quote request id ${field(body, 'requestId')} when reporting it.`
              : undefined,
          )
        : lines(`The API answered ${status}: ${said}`);
  }
}

/** The message for anything a command can fail with. */
export function explain(error: unknown): string {
  if (error instanceof ApiError) return explainApiError(error);
  if (error instanceof UnreachableApiError) {
    return `${error.message[0]?.toUpperCase()}${error.message.slice(1)}. Is the API URL right (--api-url or CAMPAIGN_API_URL), and is the API (or \`npm start\`) running?`;
  }
  if (error instanceof GraphqlError) return `The API could not answer the progress query: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
