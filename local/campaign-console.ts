import type { APIGatewayProxyResultV2, SQSEvent } from 'aws-lambda';
import { type BatchProgress, CampaignApi } from '../cli/api-client.js';
import { batchFigures, formatDuration } from '../cli/progress.js';
import { batchIdOfKey } from '../lambdas/contract/upload-object.js';
import { writeRequestsOf } from '../lambdas/core/queue/write-queue.js';

/**
 * The useful lines of `npm start`'s console: one per upload (the batch and what became of its rows)
 * and one per finished batch (its counts, how long it took, the rate). Uploads are seen in the answers
 * the upload function gives and in the large files the writer has read to their end; progress is asked of the
 * public API (GraphQL `batch`) with the development key, like any client would, never read from the
 * table, so that this keeps working whatever the store looks like inside.
 */

export type Print = (line: string) => void;

interface Watched {
  batchId: string;
  /** When the next look at its progress is due. */
  dueAt: number;
  since: number;
}

/** How long to wait before looking again at a batch watched for `ageMs`: often at first, then less. */
export const nextLookMs = (ageMs: number) => Math.min(10_000, Math.max(1000, ageMs / 10));

const rowsOf = (report: {
  received: number;
  accepted?: number;
  total?: number;
  duplicates: number;
  invalid: number;
  suppressed?: number | null;
}) =>
  `${report.accepted ?? report.total} of ${report.received} rows accepted (${report.duplicates} duplicates, ${report.invalid} invalid${report.suppressed ? `, ${report.suppressed} suppressed` : ''})`;

export function finishedLine(batch: BatchProgress): string {
  const figures = batchFigures(batch, new Date());
  const took =
    batch.startedAt && batch.finishedAt
      ? ` in ${formatDuration((Date.parse(batch.finishedAt) - Date.parse(batch.startedAt)) / 1000)}, ${figures.rate.toFixed(1)} mails/s`
      : '';
  return `batch ${batch.batchId} finished: ${figures.sent} sent, ${figures.errors} failed${took}${batch.dryRun ? ' (dry run)' : ''}`;
}

type UploadHandler<E, C> = (event: E, context: C) => Promise<APIGatewayProxyResultV2>;
type WriteHandler<C, R> = (event: SQSEvent, context: C) => Promise<R>;

export interface CampaignConsole {
  /** The upload function, printing a line for each answer it gives. */
  watchUploads<E, C>(handler: UploadHandler<E, C>): UploadHandler<E, C>;
  /**
   * The writer, printing a line for each large file it has read to its end or refused (a file uploaded
   * through the API had its line when it was answered).
   */
  watchWriter<C, R>(handler: WriteHandler<C, R>): WriteHandler<C, R>;
  /** Where the API answers: batches are followed from then on. */
  connect(apiUrl: string): void;
  stop(): Promise<void>;
}

export function campaignConsole(options: {
  apiKey: string;
  print?: Print;
  tickMs?: number;
}): CampaignConsole {
  const print = options.print ?? ((line: string) => console.log(line));
  const watched = new Map<string, Watched>();
  /** Batches whose upload has had its line (the API's answer, or the writer's end of a large file). */
  const announced = new Set<string>();
  let api: CampaignApi | undefined;
  let timer: NodeJS.Timeout | undefined;
  let looking: Promise<void> | undefined;

  const watch = (batchId: string) => {
    announced.add(batchId);
    const now = Date.now();
    if (!watched.has(batchId)) watched.set(batchId, { batchId, dueAt: now + 1000, since: now });
  };

  const look = async () => {
    if (api === undefined) return;
    const now = Date.now();
    for (const entry of [...watched.values()].filter((w) => w.dueAt <= now)) {
      try {
        const batch = await api.batch(entry.batchId);
        if (batch?.finished) {
          watched.delete(entry.batchId);
          print(finishedLine(batch));
          continue;
        }
      } catch (error) {
        // The API is the runner's own: a failure here is worth seeing, once per batch.
        watched.delete(entry.batchId);
        console.error(`local console: cannot follow batch ${entry.batchId}:`, error);
        continue;
      }
      entry.dueAt = Date.now() + nextLookMs(Date.now() - entry.since);
    }
  };

  const reportLargeUpload = async (batchId: string) => {
    if (api === undefined || announced.has(batchId)) return;
    const upload = await api.upload(batchId);
    // Handed over to a continuation: its line comes when the file is done.
    if (upload === undefined || upload.state === 'INGESTING') return;
    if (upload.state === 'FAILED') {
      announced.add(batchId);
      print(
        `large upload ${batchId} refused (${upload.error?.code ?? 'FAILED'}): ${upload.error?.message ?? ''}`,
      );
      return;
    }
    const batch = await api.batch(batchId);
    if (batch === undefined) return;
    print(
      `large upload ${batchId}${batch.fileName ? ` (${batch.fileName})` : ''}: ${rowsOf(batch)}${batch.dryRun ? ', dry run' : ''}`,
    );
    watch(batchId);
  };

  return {
    watchUploads: (handler) => async (event, context) => {
      const result = await handler(event, context);
      if (typeof result === 'object' && result.statusCode !== undefined && typeof result.body === 'string') {
        try {
          const body = JSON.parse(result.body) as Record<string, unknown>;
          const replayed = result.headers?.['idempotent-replayed'] === 'true' ? ' (replayed)' : '';
          if (result.statusCode === 202 && typeof body.batchId === 'string') {
            const report = body as {
              batchId: string;
              received: number;
              accepted: number;
              duplicates: number;
              invalid: number;
              suppressed?: number;
              dryRun?: boolean;
            };
            print(
              `upload ${report.batchId}: ${rowsOf(report)}${report.dryRun ? ', dry run' : ''}${replayed}`,
            );
            if (!replayed) watch(report.batchId);
          } else if (result.statusCode >= 400 && result.statusCode < 500) {
            const problem = typeof body.problem === 'string' ? ` ${body.problem}` : '';
            print(`upload refused (${result.statusCode}${problem}): ${String(body.error ?? '')}`);
          }
        } catch {
          // Not a JSON answer: nothing to say about it.
        }
      }
      return result;
    },
    watchWriter: (handler) => async (event, context) => {
      // A failed run is retried, and its error printed, by the runner: only a finished file is told here.
      const result = await handler(event, context);
      for (const record of event.Records) {
        for (const request of writeRequestsOf(record.body)) {
          const batchId = batchIdOfKey(request.key);
          if (batchId)
            await reportLargeUpload(batchId).catch((error) => console.error('local console:', error));
        }
      }
      return result;
    },
    connect: (apiUrl) => {
      api = new CampaignApi({ apiUrl, apiKey: options.apiKey });
      timer = setInterval(() => {
        looking ??= look().finally(() => {
          looking = undefined;
        });
      }, options.tickMs ?? 500);
      timer.unref();
    },
    stop: async () => {
      if (timer) clearInterval(timer);
      await looking;
    },
  };
}
