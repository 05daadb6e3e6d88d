import type { SendRecord } from '../domain/send-record.js';
import type { BatchRecord, SendStore } from '../store/send-store.js';
import { badUserInput } from './bad-user-input.js';
import { InvalidCursorError, type PageCursors } from './page-cursor.js';
import {
  batchIdArgument,
  pageSizeArgument,
  type SendFilterArguments,
  sendFilterArguments,
} from './query-arguments.js';
import { filterScope } from './send-filter.js';
import type { SendReader } from './send-reader.js';

export interface ResolverDeps {
  store: Pick<SendStore, 'getBatch' | 'countByStatus'>;
  reader: Pick<SendReader, 'page'>;
  cursors: PageCursors;
}

interface EmailSendsArguments extends SendFilterArguments {
  limit?: number | null;
}

interface EmailSendsPageArguments extends SendFilterArguments {
  first?: number | null;
  after?: string | null;
}

interface BatchView extends BatchRecord {
  total: number;
}

function cursorPosition(cursors: PageCursors, after: string, scope: string): string {
  try {
    return cursors.decode(after, scope);
  } catch (error) {
    if (!(error instanceof InvalidCursorError)) throw error;
    const fix =
      error.reason === 'other-filters'
        ? 'pass the same status, batchId, from and to as the query that returned it'
        : 'pass a nextCursor exactly as emailSendsPage returned it';
    throw badUserInput(
      'after',
      `Argument "after" must be a nextCursor of emailSendsPage: ${error.message}; ${fix}.`,
    );
  }
}

/** Resolvers of graphql/schema.graphql. Arguments are validated before any read. */
export function createResolvers(deps: ResolverDeps) {
  return {
    Query: {
      emailSends: async (_: unknown, args: EmailSendsArguments): Promise<SendRecord[]> => {
        const filter = sendFilterArguments(args);
        const page = await deps.reader.page(filter, pageSizeArgument('limit', args.limit));
        return page.sends;
      },

      emailSendsPage: async (_: unknown, args: EmailSendsPageArguments) => {
        const filter = sendFilterArguments(args);
        const first = pageSizeArgument('first', args.first);
        const scope = filterScope(filter);
        const afterKey = args.after == null ? undefined : cursorPosition(deps.cursors, args.after, scope);
        const page = await deps.reader.page(filter, first, afterKey);
        return {
          items: page.sends,
          nextCursor: page.nextKey === undefined ? null : deps.cursors.encode(page.nextKey, scope),
        };
      },

      batch: async (_: unknown, args: { batchId: string }): Promise<BatchView | null> => {
        const batch = await deps.store.getBatch(batchIdArgument(args.batchId));
        return batch ? { ...batch, total: batch.accepted } : null;
      },
    },

    Batch: {
      // Resolved only when asked for: five count queries that a plain batch lookup does not need.
      counts: async (batch: BatchView) => {
        const counts = await deps.store.countByStatus(batch.batchId);
        return {
          pending: counts.PENDING,
          queued: counts.QUEUED,
          sending: counts.SENDING,
          sent: counts.SENT,
          error: counts.ERROR,
        };
      },
    },
  };
}
