import { ratesOf } from '../core/domain/batch-rates.js';
import { shownState } from '../core/domain/batch-state.js';
import { countsView } from '../core/domain/counts-view.js';
import { renderEmail } from '../core/domain/email-body.js';
import { InvalidCursorError, type PageCursors } from '../core/domain/page-cursor.js';
import { mailOf, type RowChunk } from '../core/domain/row-chunk.js';
import type { SendRecord } from '../core/domain/send-record.js';
import type { RowChunks } from '../core/files/row-chunks.js';
import type { BatchControl, BatchControlStore } from '../core/store/batch-control-store.js';
import type { BatchProgress, BatchProgressReader } from '../core/store/batch-progress.js';
import type { BatchReader } from '../core/store/batch-reader.js';
import type { BatchStarts } from '../core/store/batch-starts.js';
import type { BatchRecord, BatchStore } from '../core/store/batch-store.js';
import { filterScope, type SendFilter } from '../core/store/send-filter.js';
import type { SendReader } from '../core/store/send-reader.js';
import type { SendStore } from '../core/store/send-store.js';
import type { SuppressionStore } from '../core/store/suppression-store.js';
import type { WriterStore } from '../core/store/writer-store.js';
import { badUserInput } from './bad-user-input.js';
import {
  batchIdArgument,
  dateRangeArguments,
  emailArgument,
  pageSizeArgument,
  type SendFilterArguments,
  sendFilterArguments,
  sendIdArgument,
  statusArgument,
} from './query-arguments.js';
import { type UploadView, uploadView } from './upload-view.js';

export interface ResolverDeps {
  /** Each batch's state as marketers control it (paused, cancelled, scheduled): one read when asked for. */
  controls: Pick<BatchControlStore, 'get'>;
  sends: Pick<SendStore, 'getSend'>;
  /** The batches' rows, by chunk: a send's subject in full and its content. */
  rows: Pick<RowChunks, 'get'>;
  /** Batch records by id (`batches` lists them). */
  batchRecords: Pick<BatchStore, 'getBatch'>;
  reader: Pick<SendReader, 'page'>;
  batches: Pick<BatchReader, 'page'>;
  /** Counts, writer state and finish time of one batch, in constant time. */
  progress: Pick<BatchProgressReader, 'progress'>;
  /** When each batch's first send was claimed. */
  starts: Pick<BatchStarts, 'get'>;
  /** Where the writer is with each batch's file (`upload` shows it for large files). */
  writers: Pick<WriterStore, 'get'>;
  /** The suppression list: an address by key, pages of its index partition. */
  suppressions: Pick<SuppressionStore, 'get' | 'page'>;
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
  /** The progress reads, started once per batch in a response however many fields need them. */
  progressOnce?: Promise<BatchProgress>;
  /** The control item's read, likewise. */
  controlOnce?: Promise<BatchControl | undefined>;
}

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

const batchView = (batch: BatchRecord): BatchView => ({ ...batch });

/** Cursors of `batches` are bound to their dates and can never pass for a cursor of sends. */
const batchesScope = (dates: Pick<SendFilter, 'createdFrom' | 'createdTo'>) =>
  JSON.stringify(['batches', dates.createdFrom ?? null, dates.createdTo ?? null]);

/** Cursors of `suppressions`: the list has no filters, and its cursors pass for no other field's. */
const SUPPRESSIONS_SCOPE = JSON.stringify(['suppressions']);

/**
 * Chunks read for one response (besides the container's own cache): a page of sends of one campaign
 * spreads over a few chunks, so `content` on a page of 1000 sends costs a handful of reads, not 1000.
 */
const chunksByRequest = new WeakMap<object, Map<string, Promise<RowChunk | undefined>>>();

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

  function controlOf(batch: BatchView): Promise<BatchControl | undefined> {
    batch.controlOnce ??= deps.controls.get(batch.batchId);
    return batch.controlOnce;
  }

  function progressOf(batch: BatchView): Promise<BatchProgress> {
    batch.progressOnce ??= deps.progress.progress(batch.batchId);
    return batch.progressOnce;
  }

  async function mailOfSend(context: object, send: SendRecord) {
    let chunks = chunksByRequest.get(context);
    if (!chunks) {
      chunks = new Map();
      chunksByRequest.set(context, chunks);
    }
    const key = `${send.batchId}/${send.chunk}`;
    let chunk = chunks.get(key);
    if (!chunk) {
      chunk = deps.rows.get(send.batchId, send.chunk);
      chunks.set(key, chunk);
    }
    const found = await chunk;
    return found === undefined ? undefined : mailOf(found, send.sendId);
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
        const record = await deps.writers.get(batchIdArgument(args.batchId));
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

      suppression: async (_: unknown, args: { email: string }) =>
        (await deps.suppressions.get(emailArgument(args.email))) ?? null,

      suppressions: async (_: unknown, args: PageArguments) => {
        const first = pageSizeArgument('first', args.first);
        const afterKey =
          args.after == null
            ? undefined
            : cursorPosition(deps.cursors, args.after, SUPPRESSIONS_SCOPE, 'suppressions');
        const page = await deps.suppressions.page(first, afterKey);
        return {
          items: page.entries,
          nextCursor:
            page.nextKey === undefined ? null : deps.cursors.encode(page.nextKey, SUPPRESSIONS_SCOPE),
        };
      },
    },

    EmailSend: {
      dryRun: (send: SendRecord) => send.dryRun === true,
      // The send item keeps a subject's first 256 bytes; a longer one is read from its chunk.
      subject: async (send: SendRecord, _: unknown, context: object) =>
        send.subjectCut === true
          ? ((await mailOfSend(context, send))?.subject ?? send.subject)
          : send.subject,
      // Read only when asked for: one read per distinct chunk in the response.
      content: async (send: SendRecord, _: unknown, context: object) => {
        const mail = await mailOfSend(context, send);
        if (mail === undefined) return null;
        const rendered = renderEmail(mail.subject, mail.content, mail.variables);
        return { subject: rendered.subject, text: rendered.text, html: rendered.html ?? null };
      },
    },

    Batch: {
      // Resolved only when asked for: the writer state and the 8 counter items, shared with `finished`,
      // `finishedAt`, `countsExact`, `total` and `writing`: constant in the batch's size.
      counts: async (batch: BatchView) => {
        const { counts, unsubscribed } = await progressOf(batch);
        return { pending: 0, ...countsView(counts), unsubscribed };
      },
      bounceRate: async (batch: BatchView) => ratesOf((await progressOf(batch)).counts).bounceRate ?? null,
      complaintRate: async (batch: BatchView) =>
        ratesOf((await progressOf(batch)).counts).complaintRate ?? null,
      countsExact: async (batch: BatchView) => (await progressOf(batch)).reconciled,
      // The control item (one read) and, for FINISHED, the progress reads shared with `counts`.
      state: async (batch: BatchView) => {
        const [control, progress] = await Promise.all([controlOf(batch), progressOf(batch)]);
        return shownState(control?.state ?? 'SENDING', progress.finished);
      },
      stateChanges: async (batch: BatchView) =>
        (await controlOf(batch))?.changes.map((c) => ({
          ...c,
          by: c.by.toUpperCase(),
          reason: c.reason ?? null,
        })) ?? [{ state: 'SENDING', at: batch.createdAt, by: 'REQUEST', reason: null }],
      sendAt: async (batch: BatchView) => (await controlOf(batch))?.sendAt ?? null,
      maxRate: async (batch: BatchView) => (await controlOf(batch))?.maxRate ?? null,
      priority: async (batch: BatchView) => ((await controlOf(batch))?.priority ?? 'normal').toUpperCase(),
      finished: async (batch: BatchView) => (await progressOf(batch)).finished,
      total: async (batch: BatchView) => batch.accepted ?? (await progressOf(batch)).writer?.rowsWritten ?? 0,
      received: (batch: BatchView) => batch.received ?? null,
      duplicates: (batch: BatchView) => batch.duplicates ?? null,
      invalid: (batch: BatchView) => batch.invalid ?? null,
      suppressed: (batch: BatchView) => batch.suppressed ?? null,
      writing: async (batch: BatchView) => {
        const { writer } = await progressOf(batch);
        return writer
          ? {
              state: writer.state,
              rowsWritten: writer.rowsWritten,
              runs: writer.runs,
              updatedAt: writer.updatedAt,
              finishedAt: writer.finishedAt ?? null,
              error: uploadView(writer).error,
            }
          : null;
      },
      // One read, only when asked for.
      startedAt: async (batch: BatchView) => (await deps.starts.get(batch.batchId)) ?? null,
      finishedAt: async (batch: BatchView) => (await progressOf(batch)).finishedAt ?? null,
      dryRun: (batch: BatchView) => batch.dryRun === true,
      report: (batch: BatchView) => ({
        errors: batch.errors ?? null,
        duplicatesList: batch.duplicatesList ?? null,
        suppressedList: batch.suppressedList ?? null,
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
