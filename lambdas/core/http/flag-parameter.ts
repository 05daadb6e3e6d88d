import { HttpError } from './http-error.js';

/** `true`/`1`/`yes`/`on` or a bare `?dryRun`: true; `false`/`0`/`no`/`off`: false; anything else: undefined. */
export function flagValueOf(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (['', 'true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return undefined;
}

/** The 400 of a dryRun that is not a flag; `where` is `query parameter`, `form field` or `body field`. */
export function dryRunRefusal(value: string, where: string): HttpError {
  return new HttpError(400, `${where} dryRun must be true or false, got "${value.slice(0, 50)}"`);
}

/** A dryRun given as text (flagValueOf), false when absent; anything else is a 400. */
export function dryRunFrom(value: string | undefined, where: string): boolean {
  if (value === undefined) return false;
  const flag = flagValueOf(value);
  if (flag === undefined) throw dryRunRefusal(value, where);
  return flag;
}
