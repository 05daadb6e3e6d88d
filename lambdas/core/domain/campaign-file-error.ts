export type CampaignFileProblem =
  | 'EMPTY_FILE'
  | 'MISSING_COLUMNS'
  | 'NO_DATA_ROWS'
  | 'DUPLICATE_COLUMNS'
  | 'RECORD_TOO_LONG'
  | 'UNKNOWN_PLACEHOLDER'
  | 'INVALID_SEPARATOR_LINE';

/** The file as a whole cannot be a campaign (as opposed to one bad row, which is reported and skipped). */
export class CampaignFileError extends Error {
  override readonly name = 'CampaignFileError';

  constructor(
    readonly problem: CampaignFileProblem,
    message: string,
    /** Safe to show: where in the file the problem is (e.g. `{ line, placeholder }`). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
