import { HttpError } from './http-error.js';

/** `true`/`1`/`yes`/`on` or a bare `?dryRun`; `false`/`0`/`no`/`off`; anything else is a 400. */
export function dryRunFrom(value: string | undefined, where: string): boolean {
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  if (['', 'true', '1', 'yes', 'on'].includes(v)) return true;
  if (['false', '0', 'no', 'off'].includes(v)) return false;
  throw new HttpError(400, `${where} dryRun must be true or false, got "${value.slice(0, 50)}"`);
}
