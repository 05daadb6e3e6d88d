import { renderEmail } from '../core/domain/email-body.js';
import type { SendRecord } from '../core/domain/send-record.js';
import { isFinal, SEND_STATUSES, type SendStatus } from '../core/domain/send-status.js';
import type { BatchProgress, BatchProgressReader } from '../core/store/batch-progress-reader.js';
import type { BatchReader } from '../core/store/batch-reader.js';
import type { BatchStarts } from '../core/store/batch-starts.js';
import type { BatchRecord, BatchStore } from '../core/store/batch-store.js';
import type { ContentStore } from '../core/store/content-store.js';
import { filterScope, type SendFilter } from '../core/store/send-filter.js';
import type { SendReader } from '../core/store/send-reader.js';
import type { SendStore } from '../core/store/send-store.js';
import type { UploadClaims } from '../core/store/upload-claims.js';
import { badUserInput } from './bad-user-input.js';
import { InvalidCursorError, type PageCursors } from './page-cursor.js';
import {
  batchIdArgument,
  dateRangeArguments,
  pageSizeArgument,
  type SendFilterArguments,
  sendFilterArguments,
  sendIdArgument,
  statusArgument,
} from './query-arguments.js';
import { type UploadView, uploadView } from './upload-view.js';

export interface ResolverDeps {
  sends: Pick<SendStore, 'getSend'>;
  contents: Pick<ContentStore, 'getContent'>;
  /** Batch records by id (`batches` lists them). */
  batchRecords: Pick<BatchStore, 'getBatch'>;
  reader: Pick<SendReader, 'page'>;
  batches: Pick<BatchReader, 'page'>;
  /** Counts and finish time of one batch. */
  progress: Pick<BatchProgressReader, 'progress'>;
  /** When each batch's first send was claimed. */
  starts: Pick<BatchStarts, 'get'>;
  /** The ingest records of large uploads. */
  uploads: Pick<UploadClaims, 'get'>;
  cursors: PageCursors;
}

interface EmailSendsArguments extends SendFilterArguments {
  limit?: number | null;
}

interface PageArguments {
  first?: number | null;
  after?: string | null;
}

interface EmailSendsPageArguments extends SendFilterArguments, PageArguments {}

interface BatchView extends BatchRecord {
  total: number;
  /** The batch index queries, started once per batch in a response however many fields need them. */
  progressOnce?: Promise<BatchProgress>;
}

/** The statuses in which a send still has work ahead of it. */
const UNFINISHED: SendStatus[] = SEND_STATUSES.filter((status) => !isFinal(status));

function cursorPosition(cursors: PageCursors, after: string, scope: string, field: string): string {
  try {
    return cursors.decode(after, scope);
  } catch (error) {
    if (!(error instanceof InvalidCursorError)) throw error;
    const fix =
      error.reason === 'other-filters'
        ? 'pass the same arguments as the query that returned it'
        : `pass a nextCursor exactly as ${field} returned it`;
    throw badUserInput(
      'after',
      `Argument "after" must be a nextCursor of ${field}: ${error.message}; ${fix}.`,
    );
  }
}

const batchView = (batch: BatchRecord): BatchView => ({ ...batch, total: batch.accepted });

/** Cursors of `batches` are bound to their dates and can never pass for a cursor of sends. */
const batchesScope = (dates: Pick<SendFilter, 'createdFrom' | 'createdTo'>) =>
  JSON.stringify(['batches', dates.createdFrom ?? null, dates.createdTo ?? null]);

/**
 * Contents read for one response, by contentId: a page of sends of one campaign shares one or a few
 * contents, so `content` on a page of 1000 sends costs a handful of reads, not 1000.
 */
const contentsByRequest = new WeakMap<object, Map<string, Promise<string | undefined>>>();

/** Resolvers of graphql/schema.graphql. Arguments are validated before any read. */
export function createResolvers(deps: ResolverDeps) {
  async function sendsPage(filter: SendFilter, args: PageArguments, field: string) {
    const first = pageSizeArgument('first', args.first);
    const scope = filterScope(filter);
    const afterKey = args.after == null ? undefined : cursorPosition(deps.cursors, args.after, scope, field);
    const page = await deps.reader.page(filter, first, afterKey);
    return {
      items: page.sends,
      nextCursor: page.nextKey === undefined ? null : deps.cursors.encode(page.nextKey, scope),
    };
  }

  function progressOf(batch: BatchView): Promise<BatchProgress> {
    batch.progressOnce ??= deps.progress.progress(batch.batchId);
    return batch.progressOnce;
  }

  async function isFinished(batch: BatchView): Promise<boolean> {
    const { counts } = await progressOf(batch);
    return UNFINISHED.every((status) => counts[status] === 0);
  }

  function contentOf(context: object, contentId: string): Promise<string | undefined> {
    let contents = contentsByRequest.get(context);
    if (!contents) {
      contents = new Map();
      contentsByRequest.set(context, contents);
    }
    let content = contents.get(contentId);
    if (!content) {
      content = deps.contents.getContent(contentId);
      contents.set(contentId, content);
    }
    return content;
  }

  return {
    Query: {
      emailSends: async (_: unknown, args: EmailSendsArguments): Promise<SendRecord[]> => {
        const filter = sendFilterArguments(args);
        const page = await deps.reader.page(filter, pageSizeArgument('limit', args.limit));
        return page.sends;
      },

      emailSendsPage: (_: unknown, args: EmailSendsPageArguments) =>
        sendsPage(sendFilterArguments(args), args, 'emailSendsPage'),

      emailSend: async (_: unknown, args: { sendId: string }): Promise<SendRecord | null> =>
        (await deps.sends.getSend(sendIdArgument(args.sendId))) ?? null,

      batch: async (_: unknown, args: { batchId: string }): Promise<BatchView | null> => {
        const batch = await deps.batchRecords.getBatch(batchIdArgument(args.batchId));
        return batch ? batchView(batch) : null;
      },

      upload: async (_: unknown, args: { batchId: string }): Promise<UploadView | null> => {
        const record = await deps.uploads.get(batchIdArgument(args.batchId));
        return record ? uploadView(record) : null;
      },

      batches: async (_: unknown, args: PageArguments & Pick<SendFilterArguments, 'from' | 'to'>) => {
        const dates = dateRangeArguments(args);
        const first = pageSizeArgument('first', args.first);
        const scope = batchesScope(dates);
        const afterKey =
          args.after == null ? undefined : cursorPosition(deps.cursors, args.after, scope, 'batches');
        const page = await deps.batches.page(dates, first, afterKey);
        return {
          items: page.batches.map(batchView),
          nextCursor: page.nextKey === undefined ? null : deps.cursors.encode(page.nextKey, scope),
        };
      },
    },

    EmailSend: {
      dryRun: (send: SendRecord) => send.dryRun === true,
      // Read only when asked for: one content read per distinct content in the response.
      content: async (send: SendRecord, _: unknown, context: object) => {
        const content = await contentOf(context, send.contentId);
        if (content === undefined) return null;
        const rendered = renderEmail(send.subject, content, send.variables ?? {});
        return { subject: rendered.subject, text: rendered.text, html: rendered.html ?? null };
      },
    },

    Batch: {
      // Resolved only when asked for: five queries of the batch index that a plain lookup does not need,
      // shared with `finished` and `finishedAt`.
      counts: async (batch: BatchView) => {
        const { counts } = await progressOf(batch);
        return {
          pending: counts.PENDING,
          queued: counts.QUEUED,
          sending: counts.SENDING,
          sent: counts.SENT,
          error: counts.ERROR,
        };
      },
      finished: (batch: BatchView) => isFinished(batch),
      // One read, only when asked for.
      startedAt: async (batch: BatchView) => (await deps.starts.get(batch.batchId)) ?? null,
      finishedAt: async (batch: BatchView) => {
        if (!(await isFinished(batch))) return null;
        return (await progressOf(batch)).lastFinalAt ?? null;
      },
      dryRun: (batch: BatchView) => batch.dryRun === true,
      report: (batch: BatchView) => ({
        errors: batch.errors ?? null,
        duplicatesList: batch.duplicatesList ?? null,
        truncated: batch.truncated ?? null,
        encoding: batch.encoding ?? null,
      }),
      sends: (batch: BatchView, args: PageArguments & { status?: string | null }) => {
        const filter: SendFilter = { batchId: batch.batchId };
        if (args.status != null) filter.status = statusArgument(args.status);
        return sendsPage(filter, args, 'Batch.sends');
      },
    },

    Upload: {
      // Read only when asked for: one key lookup.
      batch: async (upload: UploadView): Promise<BatchView | null> => {
        const batch = await deps.batchRecords.getBatch(upload.batchId);
        return batch ? batchView(batch) : null;
      },
    },
  };
}
