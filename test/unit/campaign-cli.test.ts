import { describe, expect, it } from 'vitest';
import { ApiError, API_KEY_HEADER as CLI_KEY_HEADER, UnreachableApiError } from '../../cli/api-client.js';
import { explain, fileProblemMessage } from '../../cli/api-messages.js';
import { batchFigures, formatDuration } from '../../cli/progress.js';
import { DIRECT_UPLOAD_LIMIT, routeFor } from '../../cli/upload-route.js';
import {
  CAMPAIGN_FILE_PROBLEMS,
  DUPLICATE_FILE_PROBLEMS,
  IDEMPOTENCY_CONFLICTS,
  LARGE_UPLOAD_PROBLEMS,
} from '../../lambdas/contract/api-schemas.js';
import { API_KEY_HEADER } from '../../lambdas/core/http/api-key-check.js';
import { openApiDocument } from '../../lambdas/docs/openapi.js';

/** The routes the CLI calls, and every 4xx the OpenAPI document says each can answer. */
const CALLED = ['POST /campaigns/upload', 'POST /campaigns/uploads', 'POST /graphql'];

function documented4xx(): { request: string; status: number }[] {
  const paths = openApiDocument().paths as Record<
    string,
    Record<string, { responses: Record<string, unknown> }>
  >;
  return CALLED.flatMap((request) => {
    const [method, path] = request.split(' ') as [string, string];
    return Object.keys(paths[path]?.[method.toLowerCase()]?.responses ?? {})
      .map(Number)
      .filter((status) => status >= 400 && status < 500)
      .map((status) => ({ request, status }));
  });
}

const GENERIC = /^The API answered \d+/;

describe('the campaign CLI', () => {
  it('sends the key in the header the API reads it from', () => {
    expect(CLI_KEY_HEADER).toBe(API_KEY_HEADER);
  });

  it('has its own words for every 4xx the API can answer it, and repeats what the API said', () => {
    const cases = documented4xx();
    expect(cases.length).toBeGreaterThanOrEqual(12);
    for (const { request, status } of cases) {
      const message = explain(new ApiError(status, { error: 'what the API said' }, request));
      expect([request, status, message]).toEqual([request, status, expect.not.stringMatching(GENERIC)]);
      if (status !== 429)
        expect([request, status, message]).toEqual([
          request,
          status,
          expect.stringContaining('what the API said'),
        ]);
    }
  });

  it('tells each problem code of a refused file or request apart', () => {
    const problems = [
      ...CAMPAIGN_FILE_PROBLEMS,
      ...IDEMPOTENCY_CONFLICTS,
      ...DUPLICATE_FILE_PROBLEMS,
      ...LARGE_UPLOAD_PROBLEMS,
    ];
    const messages = problems.map((problem) => {
      const status = problem.startsWith('IDEMPOTENCY') || problem.startsWith('DUPLICATE_FILE') ? 409 : 400;
      return explain(new ApiError(status, { error: 'said', problem }, 'POST /campaigns/upload')).split(
        '\n',
      )[0];
    });
    // The two size problems share their words, each with the API's own sentence after them.
    expect(new Set(messages).size).toBe(problems.length - 1);
    for (const code of [...CAMPAIGN_FILE_PROBLEMS, 'NOTHING_ACCEPTED', 'FILE_TOO_LARGE']) {
      expect([code, fileProblemMessage(code)]).toEqual([code, expect.any(String)]);
    }
  });

  it('names the line of a file problem and the rows of a file with nothing to send', () => {
    expect(
      explain(
        new ApiError(
          400,
          { error: 'unknown {{name}}', problem: 'UNKNOWN_PLACEHOLDER', line: 3 },
          'POST /campaigns/upload',
        ),
      ),
    ).toContain('(line 3)');
    const nothing = explain(
      new ApiError(
        422,
        { error: 'no row can be sent', errors: [{ line: 2, reason: 'invalid email address' }] },
        'POST /campaigns/upload',
      ),
    );
    expect(nothing).toContain('line 2: invalid email address');
  });

  it('says what to check when the API cannot be reached', () => {
    expect(explain(new UnreachableApiError('cannot reach http://127.0.0.1:1 (ECONNREFUSED)'))).toMatch(
      /^Cannot reach http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)\. Is the API URL right/,
    );
  });

  it("picks the direct route up to the API's body limit and the large-file route above it", () => {
    expect(routeFor(DIRECT_UPLOAD_LIMIT, 'auto')).toBe('direct');
    expect(routeFor(DIRECT_UPLOAD_LIMIT + 1, 'auto')).toBe('large');
    expect(routeFor(10, 'large')).toBe('large');
    expect(routeFor(DIRECT_UPLOAD_LIMIT * 2, 'direct')).toBe('direct');
  });

  it('works out the rate and the time left from when sending began', () => {
    const batch = {
      batchId: 'b',
      createdAt: '2026-11-20T10:00:00.000Z',
      startedAt: '2026-11-20T10:00:00.000Z',
      finishedAt: null,
      total: 1000,
      received: 1000,
      duplicates: 0,
      invalid: 0,
      dryRun: false,
      finished: false,
      counts: { sent: 380, error: 20 },
    };
    const figures = batchFigures(batch, new Date('2026-11-20T10:00:10.000Z'));
    expect(figures).toEqual({ done: 400, total: 1000, sent: 380, errors: 20, rate: 40, secondsLeft: 15 });
    expect(formatDuration(figures.secondsLeft)).toBe('15s');
    expect(formatDuration(3725)).toBe('1h 02m');
    expect(batchFigures({ ...batch, startedAt: null }, new Date()).secondsLeft).toBeNaN();
  });
});
