import { emailProblem, normaliseEmail } from '../core/domain/email-address.js';
import { HttpError } from '../core/http/http-error.js';

/**
 * The address a request names (the `{email}` of the path, the `email` query parameter), normalised as
 * the list is keyed (trimmed, lower-cased), or a 400 that says what is wrong with it.
 */
export function addressArgument(raw: string | undefined, where: string): string {
  const email = normaliseEmail(raw ?? '');
  const problem = emailProblem(email);
  if (problem !== undefined) {
    throw new HttpError(
      400,
      `${where} ${JSON.stringify((raw ?? '').slice(0, 300))} is not an address: ${problem}`,
      { problem: 'INVALID_EMAIL' },
    );
  }
  return email;
}
