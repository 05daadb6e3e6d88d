import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Context, S3Event } from 'aws-lambda';
import { batchIdOfKey, decodeFileName, UPLOAD_METADATA } from '../contract/upload-object.js';
import { CampaignFileError } from '../core/domain/campaign-file-error.js';
import { readCampaign } from '../core/domain/campaign-reader.js';
import { type IngestDeps, ingestCampaign } from '../core/ingest/ingest-campaign.js';
import { batchRecordOf, type IngestReport, NothingAcceptedError } from '../core/ingest/ingest-report.js';
import { addRowMetrics } from '../core/ingest/row-metrics.js';
import { logger } from '../core/observability/logger.js';
import type { UploadClaims } from '../core/store/upload-claims.js';

export interface S3IngestDeps extends IngestDeps {
  s3: S3Client;
  claims: UploadClaims;
  /** A larger object is refused unread (MAX_LARGE_UPLOAD_BYTES, as for the upload URL). */
  maxFileBytes: number;
}

/** Milliseconds kept back from the invocation's remaining time, so a claim ends before the timeout. */
const LEASE_MARGIN_MS = 5_000;

/**
 * Reads a campaign file uploaded to `uploads/<batchId>.csv` (through the URL POST /campaigns/uploads
 * gave out) with the same rules as an upload through the API, streaming it from S3, and ingests it
 * as that batch. The report is stored with the batch (ingestCampaign's putBatch); a file refused as a
 * whole is recorded as FAILED on the upload's claim, with the reason.
 *
 * Records are handled one by one. An error other than a refused file releases the claim and is
 * thrown, so that Lambda's retry of the asynchronous invocation resumes the file.
 */
export function createS3IngestHandler(deps: S3IngestDeps) {
  return async (event: S3Event, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<void> => {
    for (const record of event.Records) {
      if (!record.eventName.startsWith('ObjectCreated:')) continue;
      // S3 event keys are URL-encoded, with '+' for spaces.
      const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
      const batchId = batchIdOfKey(key);
      if (batchId === undefined) {
        logger.warn('object is not a campaign upload; ignored', { key });
        continue;
      }
      await ingestObject(
        deps,
        { bucket: record.s3.bucket.name, key, size: record.s3.object.size },
        batchId,
        context,
      );
    }
  };
}

async function ingestObject(
  deps: S3IngestDeps,
  object: { bucket: string; key: string; size: number },
  batchId: string,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<IngestReport | undefined> {
  const leaseMs = Math.max(1_000, context.getRemainingTimeInMillis() - LEASE_MARGIN_MS);
  const claim = await deps.claims.claim(batchId, deps.clock(), leaseMs);
  if (claim === 'busy' || claim === 'finished') {
    logger.info('upload already taken; event ignored', { batchId, claim });
    return undefined;
  }
  try {
    const found = await deps.s3.send(new GetObjectCommand({ Bucket: object.bucket, Key: object.key }));
    // In Node.js the Body is the HTTP response stream itself: read chunk by chunk, never held whole.
    const body = found.Body as Readable;
    // The URL was signed for a size within the limit, so S3 stores no larger file through it; this
    // holds the limit wherever that did not apply (s3rver does not check signatures, a URL signed by
    // an older version, an object put by other means).
    const size = found.ContentLength ?? object.size;
    if (size > deps.maxFileBytes) {
      body?.destroy();
      await deps.claims.finish(batchId, deps.clock(), {
        error: `the uploaded file is ${size} bytes; the largest file taken is ${deps.maxFileBytes} bytes`,
        problem: 'FILE_TOO_LARGE',
      });
      logger.warn('large upload refused: file too large', { batchId, size, maxBytes: deps.maxFileBytes });
      return undefined;
    }
    const fileName = decodeFileName(found.Metadata?.[UPLOAD_METADATA.fileName]);
    const dryRun = found.Metadata?.[UPLOAD_METADATA.dryRun] === 'true';
    // A claim taken over from an invocation that stopped (crash, timeout) resumes its batch.
    const resume = claim === 'resumed';
    const report = await ingestCampaign(readCampaign(body), deps, {
      batchId,
      mode: resume ? 'resume' : 'new',
      ...(fileName ? { fileName } : {}),
      ...(dryRun ? { dryRun } : {}),
    });
    await deps.claims.finish(batchId, deps.clock());
    logger.info('large upload ingested', {
      batchId,
      resume,
      received: report.received,
      accepted: report.accepted,
      duplicates: report.duplicates,
      invalid: report.invalid,
    });
    addRowMetrics(report);
    return report;
  } catch (error) {
    if (error instanceof CampaignFileError) {
      await deps.claims.finish(batchId, deps.clock(), { error: error.message, problem: error.problem });
      logger.warn('large upload refused', { batchId, problem: error.problem });
      return undefined;
    }
    if (error instanceof NothingAcceptedError) {
      // No send was created; the batch still records why, so that a query for it explains the file.
      const { report } = error;
      await deps.batches.putBatch(batchRecordOf(report, deps.clock().toISOString()));
      await deps.claims.finish(batchId, deps.clock(), {
        error: 'no row of the file can be sent; nothing was queued',
        problem: 'NOTHING_ACCEPTED',
      });
      addRowMetrics(report);
      return undefined;
    }
    await deps.claims.release(batchId, deps.clock()).catch((releaseError: unknown) => {
      logger.error('could not release the upload claim', { batchId, error: String(releaseError) });
    });
    throw error;
  }
}
