import { HttpError } from './http-error.js';

/** `true`/`1`/`yes`/`on` or a bare `?dryRun`: true; `false`/`0`/`no`/`off`: false; anything else: undefined. */
export function flagValueOf(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (['', 'true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  return undefined;
}

/** The 400 of a flag that is not one; `where` is `query parameter`, `form field` or `body field`. */
export function flagRefusal(name: string, value: string, where: string): HttpError {
  return new HttpError(400, `${where} ${name} must be true or false, got "${value.slice(0, 50)}"`);
}

/** A flag (`dryRun`, `allowDuplicate`) given as text (flagValueOf), false when absent; anything else is a 400. */
export function flagFrom(name: string, value: string | undefined, where: string): boolean {
  if (value === undefined) return false;
  const flag = flagValueOf(value);
  if (flag === undefined) throw flagRefusal(name, value, where);
  return flag;
}

export const dryRunRefusal = (value: string, where: string) => flagRefusal('dryRun', value, where);
export const dryRunFrom = (value: string | undefined, where: string) => flagFrom('dryRun', value, where);
