import type { ClientErrorAnswer } from '../../contract/api-schemas.js';

/** An error answer without its message: the `problem` code and details of one of the answer schemas. */
export type ErrorDetails = ClientErrorAnswer extends infer Answer
  ? Answer extends unknown
    ? Omit<Answer, 'error'>
    : never
  : never;

/**
 * An answer for the client: a 4xx status and a message that says what was wrong, safe to show, with
 * the details of one of the error schemas of the API (lambdas/contract/api-schemas.ts).
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly statusCode: number,
    message: string,
    readonly details: ErrorDetails = {},
    /** Headers of the answer, e.g. Retry-After (lowercase, as HTTP API results carry them). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The JSON body of the answer. */
  get body(): ClientErrorAnswer {
    return { error: this.message, ...this.details };
  }
}
