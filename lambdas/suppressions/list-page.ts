import { SUPPRESSION_PAGE, type SuppressionPage } from '../contract/api-schemas.js';
import { InvalidCursorError, type PageCursors } from '../core/domain/page-cursor.js';
import { HttpError } from '../core/http/http-error.js';
import type { SuppressionStore } from '../core/store/suppression-store.js';
import { suppressionAnswer } from './suppression-answer.js';

/** The scope cursors of the list are signed for: one of GraphQL's never passes for one of these. */
export const LIST_CURSOR_SCOPE = 'rest:suppressions';

/** `?limit=`: a whole number of entries from 1 to the most a page holds. */
export function limitArgument(raw: string | undefined): number {
  if (raw === undefined) return SUPPRESSION_PAGE.defaultLimit;
  const limit = /^\d{1,6}$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > SUPPRESSION_PAGE.maxLimit) {
    throw new HttpError(
      400,
      `query parameter limit must be a whole number from 1 to ${SUPPRESSION_PAGE.maxLimit} (${SUPPRESSION_PAGE.defaultLimit} when omitted); got ${JSON.stringify(raw.slice(0, 50))}`,
      { problem: 'INVALID_LIMIT' },
    );
  }
  return limit;
}

/** `?cursor=`: where the page before ended, as its `nextCursor` said. */
export function cursorArgument(cursors: PageCursors, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  try {
    return cursors.decode(raw, LIST_CURSOR_SCOPE);
  } catch (error) {
    if (!(error instanceof InvalidCursorError)) throw error;
    throw new HttpError(
      400,
      `query parameter cursor must be a nextCursor of GET /suppressions, passed exactly as it came: ${error.message}`,
      { problem: 'INVALID_CURSOR' },
    );
  }
}

/**
 * A page of the list, newest first: one Query of the list's index partition and one BatchGetItem of the
 * page's entries, whatever the list's size. The cursor hides the key it stands for behind a signature.
 */
export async function listPage(
  suppressions: Pick<SuppressionStore, 'page'>,
  cursors: PageCursors,
  query: Record<string, string | undefined>,
): Promise<SuppressionPage> {
  const limit = limitArgument(query.limit);
  const after = cursorArgument(cursors, query.cursor);
  const page = await suppressions.page(limit, after);
  return {
    items: page.entries.map(suppressionAnswer),
    nextCursor: page.nextKey === undefined ? null : cursors.encode(page.nextKey, LIST_CURSOR_SCOPE),
  };
}
