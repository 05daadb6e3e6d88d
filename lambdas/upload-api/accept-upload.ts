import type { DuplicateFile, FileProblem, IngestReport, NothingAccepted } from '../contract/api-schemas.js';
import { uploadKeyOf } from '../contract/upload-object.js';
import { CampaignFileError } from '../core/domain/campaign-file-error.js';
import { readCampaign } from '../core/domain/campaign-reader.js';
import type { CampaignFiles } from '../core/files/campaign-files.js';
import { fileProblemOf } from '../core/http/file-problem.js';
import { batchRecordOf, NothingAcceptedError, reportOf } from '../core/ingest/ingest-report.js';
import { addRowMetrics } from '../core/ingest/row-metrics.js';
import { logger } from '../core/observability/logger.js';
import type { BatchStore } from '../core/store/batch-store.js';
import type { FileRegistry } from '../core/store/file-registry.js';
import type { SuppressionStore } from '../core/store/suppression-store.js';
import type { WriterStore } from '../core/store/writer-store.js';
import type { UploadedFile } from './upload-body.js';

export interface AcceptDeps {
  files: Pick<CampaignFiles, 'put' | 'exists' | 'bucket'>;
  batches: Pick<BatchStore, 'createBatch' | 'getBatch'>;
  registry: Pick<FileRegistry, 'register'>;
  writers: Pick<WriterStore, 'register'>;
  /** The accepted addresses are looked up on it: those on it are reported and make no send. */
  suppressions: Pick<SuppressionStore, 'findMany'>;
  clock: () => Date;
  /** How long the batch's items are kept. */
  retentionSeconds: number;
  /** How long an upload may take to be answered: a file registered by one that never answered is free after it. */
  answerMs: number;
}

/** An answer that is final for the file: stored under an Idempotency-Key and given again to a retry. */
export interface Outcome {
  statusCode: 202 | 400 | 409 | 422;
  body: IngestReport | FileProblem | NothingAccepted | DuplicateFile;
  report?: IngestReport;
}

/**
 * Accepts an upload: reads, validates and deduplicates the whole file in memory, looks the accepted
 * addresses up on the suppression list (reported as suppressed: the writer makes no send for them), makes sure the same file did not become a batch in the last day (unless `checkDuplicate` is off: a
 * retry under an Idempotency-Key, or `allowDuplicate`), stores the file in S3 for the writer, writes the
 * batch record with its report, and answers with the report. The writer takes the file up from S3's
 * event and writes the sends (docs/data-model.md): once the file is stored, an answered upload cannot be
 * lost, and an upload that dies before it leaves no batch, or a stored file the writer makes into one.
 */
export async function acceptUpload(
  file: UploadedFile,
  batchId: string,
  deps: AcceptDeps,
  options: { checkDuplicate: boolean },
): Promise<Outcome> {
  let report: IngestReport;
  try {
    report = await reportOf(readCampaign([file.bytes]), batchId, file.dryRun, deps.suppressions);
  } catch (error) {
    if (error instanceof CampaignFileError) return { statusCode: 400, body: fileProblemOf(error) };
    if (error instanceof NothingAcceptedError) {
      const { batchId: _none, ...counts } = error.report;
      addRowMetrics(counts);
      return {
        statusCode: 422,
        body: { error: 'no row of the file can be sent; nothing was queued', ...counts },
      };
    }
    throw error;
  }
  if (options.checkDuplicate) {
    const earlier = await registerFile(file.sha256, batchId, deps);
    if (earlier) return { statusCode: 409, body: earlier };
  }
  const now = deps.clock();
  await deps.files.put(batchId, file.bytes, {
    ...(file.fileName ? { fileName: file.fileName } : {}),
    dryRun: file.dryRun,
  });
  const createdAt = now.toISOString();
  const expiresAt = Math.floor(now.getTime() / 1000) + deps.retentionSeconds;
  await deps.batches.createBatch(batchRecordOf(report, createdAt, file.fileName), expiresAt);
  await deps.writers.register(
    batchId,
    { bucket: deps.files.bucket, key: uploadKeyOf(batchId), createdAt },
    now,
    expiresAt,
  );
  logger.info('upload accepted', {
    batchId,
    received: report.received,
    accepted: report.accepted,
    duplicates: report.duplicates,
    invalid: report.invalid,
    suppressed: report.suppressed,
    encoding: report.encoding,
    dryRun: report.dryRun,
  });
  addRowMetrics(report);
  return { statusCode: 202, body: report, report };
}

/**
 * Registers the file for this batch, or says which batch it already became. A file registered by an
 * upload that crashed before storing it (no batch record, no stored file) is taken over; one whose
 * upload is still being answered is refused for now.
 */
async function registerFile(
  sha256: string,
  batchId: string,
  deps: AcceptDeps,
): Promise<DuplicateFile | undefined> {
  let replacing: string | undefined;
  for (let round = 0; round < 3; round++) {
    const now = deps.clock();
    const claim = await deps.registry.register(sha256, batchId, now, deps.answerMs, replacing);
    if (claim.kind === 'registered') return undefined;
    const earlier = claim.record;
    const exists =
      (await deps.batches.getBatch(earlier.batchId)) !== undefined ||
      (await deps.files.exists(earlier.batchId));
    if (exists) {
      return {
        error: `this file was uploaded at ${earlier.uploadedAt} as batch ${earlier.batchId}; to send it again on purpose, add allowDuplicate=true`,
        problem: 'DUPLICATE_FILE',
        batchId: earlier.batchId,
        uploadedAt: earlier.uploadedAt,
      };
    }
    if (earlier.answeringUntil > now.getTime()) {
      const retryAfterSeconds = Math.max(1, Math.ceil((earlier.answeringUntil - now.getTime()) / 1000));
      return {
        error: `the same file is being uploaded right now (batch ${earlier.batchId}); retry in ${retryAfterSeconds} s to see what became of it`,
        problem: 'DUPLICATE_FILE_IN_PROGRESS',
        batchId: earlier.batchId,
        uploadedAt: earlier.uploadedAt,
        retryAfterSeconds,
      };
    }
    // The earlier upload died before storing the file: nothing came of it, this one goes ahead.
    replacing = earlier.batchId;
  }
  throw new Error(`could not register file ${sha256.slice(0, 12)}… after three rounds`);
}
