import type { WriterRecord } from '../core/store/writer-store.js';

/** The writer's state as the `UploadState` of the schema names it (kept from before the writer existed). */
export type UploadState = 'INGESTING' | 'DONE' | 'FAILED';

const UPLOAD_STATE_OF: Record<WriterRecord['state'], UploadState> = {
  WRITING: 'INGESTING',
  READY: 'DONE',
  FAILED: 'FAILED',
};

/** Why a file was refused, as the `UploadError` type of the schema shows it. */
export interface UploadErrorView {
  message: string;
  code: string;
  line: number | null;
}

/** An upload record as the `Upload` type of the schema shows it (without its batch, resolved apart). */
export interface UploadView {
  batchId: string;
  state: UploadState;
  runs: number;
  updatedAt: string;
  finishedAt: string | null;
  error: UploadErrorView | null;
}

/** The problem code of a FAILED record written without one. */
const DEFAULT_PROBLEM = 'FILE_REFUSED';

/**
 * The line a refusal names. The ingest says where in the file the problem is in its message
 * ("line 7: …", "the header (line 1) is …") and the upload record keeps the message, not the details.
 */
export function lineOfRefusal(message: string): number | null {
  const match = /\bline (\d+)\b/.exec(message);
  return match?.[1] === undefined ? null : Number(match[1]);
}

export function uploadView(record: WriterRecord): UploadView {
  return {
    batchId: record.batchId,
    state: UPLOAD_STATE_OF[record.state],
    runs: record.runs,
    updatedAt: record.updatedAt,
    finishedAt: record.finishedAt ?? null,
    error:
      record.state === 'FAILED' && record.error !== undefined
        ? {
            message: record.error,
            code: record.problem ?? DEFAULT_PROBLEM,
            line: lineOfRefusal(record.error),
          }
        : null,
  };
}
