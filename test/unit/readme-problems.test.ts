import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CAMPAIGN_FILE_PROBLEMS,
  DUPLICATE_FILE_PROBLEMS,
  IDEMPOTENCY_CONFLICTS,
  LARGE_UPLOAD_PROBLEMS,
  REQUEST_PROBLEMS,
  SUPPRESSION_REQUEST_PROBLEMS,
  UPLOAD_PROBLEMS_BY_STATUS,
} from '../../lambdas/contract/api-schemas.js';
import { repoPath } from '../../lib/repo-paths.js';

/**
 * The README's table of what POST /campaigns/upload answers, held to the list in the code: each
 * status's row names exactly the `problem` codes UPLOAD_PROBLEMS_BY_STATUS gives it.
 */

const README = readFileSync(repoPath('README.md'), 'utf8');
const HEADER = '| Answer | When | Body |';

/** Each row of the first table with HEADER: its status and the problem codes its When cell names. */
function uploadTable(): Map<number, string[]> {
  const lines = README.split('\n');
  const start = lines.findIndex((line) => line.trim() === HEADER);
  expect(start, `README.md has no table headed ${HEADER}`).toBeGreaterThan(-1);
  const rows = new Map<number, string[]>();
  for (const row of lines.slice(start + 2)) {
    if (!row.startsWith('|')) break;
    const [answer = '', when = ''] = row.split(' | ').map((cell) => cell.replace(/^\| ?| ?\|$/g, ''));
    const status = Number(/`(\d{3})`/.exec(answer)?.[1]);
    const codes = [...when.matchAll(/`([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)`/g)].map((match) => match[1] ?? '');
    rows.set(status, codes.sort());
  }
  return rows;
}

describe("the README's table of upload answers", () => {
  it('names, for each status, exactly the problem codes the code answers it with', () => {
    const table = uploadTable();
    expect([...table.keys()].sort()).toEqual([202, 400, 409, 413, 415, 422]);
    for (const [status, codes] of table) {
      const expected = [...((UPLOAD_PROBLEMS_BY_STATUS as Record<number, readonly string[]>)[status] ?? [])];
      expect([status, codes]).toEqual([status, expected.sort()]);
    }
  });

  it('is drawn from a list that holds every problem the upload route can answer', () => {
    const listed = new Set<string>(Object.values(UPLOAD_PROBLEMS_BY_STATUS).flat());
    // The other routes' own: the large-file request's, the suppression list's and GraphQL's body limit.
    const elsewhere = new Set<string>([
      ...LARGE_UPLOAD_PROBLEMS,
      ...SUPPRESSION_REQUEST_PROBLEMS,
      'REQUEST_TOO_LARGE',
    ]);
    const upload = [
      ...CAMPAIGN_FILE_PROBLEMS,
      ...IDEMPOTENCY_CONFLICTS,
      ...DUPLICATE_FILE_PROBLEMS,
      ...REQUEST_PROBLEMS,
    ].filter((problem) => !elsewhere.has(problem));
    expect([...listed].sort()).toEqual([...new Set(upload)].sort());
  });
});
