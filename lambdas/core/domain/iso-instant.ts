/**
 * ISO-8601 dates and date-times as analysts type them, read strictly: `Date.parse` accepts
 * 2026-02-30 (rolling it over to March) and zone-less date-times (read in the container's zone), both
 * of which would silently move a filter boundary.
 */

/** The span of time a value names: its first and last millisecond, both inclusive. */
export interface InstantSpan {
  first: Date;
  last: Date;
}

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}))?$/i;

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

function offsetMinutes(zone: string): number | undefined {
  if (zone.toUpperCase() === 'Z') return 0;
  const hours = Number(zone.slice(1, 3));
  const minutes = Number(zone.slice(4, 6));
  if (hours > 23 || minutes > 59) return undefined;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

/**
 * Reads `2026-11-20`, `2026-11-20T10:00Z`, `2026-11-20T10:00:00+02:00` or `2026-11-20T10:00:00.123Z`.
 * A value names the whole of its smallest unit (a day, a minute, a second, a millisecond), which is
 * what lets `to: "2026-11-20"` include that whole day. Returns undefined for anything else, including
 * impossible dates and date-times without a zone.
 */
export function parseInstantSpan(text: string): InstantSpan | undefined {
  const match = ISO_8601.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;

  let spanMs = MS_PER_DAY;
  let timeMs = 0;
  let offset = 0;
  if (h !== undefined && mi !== undefined && zone !== undefined) {
    const hour = Number(h);
    const minute = Number(mi);
    const second = s === undefined ? 0 : Number(s);
    const zoneOffset = offsetMinutes(zone);
    if (hour > 23 || minute > 59 || second > 59 || zoneOffset === undefined) return undefined;
    offset = zoneOffset;
    // Digits beyond milliseconds cannot be stored in createdAt: they fall within one millisecond.
    const digits = fraction?.slice(0, 3) ?? '';
    spanMs = s === undefined ? MS_PER_MINUTE : 10 ** (3 - digits.length);
    timeMs = ((hour * 60 + minute) * 60 + second) * 1000 + (digits ? Number(digits.padEnd(3, '0')) : 0);
  }

  // Date.UTC maps years 0-99 to 1900-1999; setting the year afterwards keeps it exact.
  const midnight = new Date(Date.UTC(2000, month - 1, day));
  midnight.setUTCFullYear(year);
  const first = midnight.getTime() + timeMs - offset * MS_PER_MINUTE;
  const span = { first: new Date(first), last: new Date(first + spanMs - 1) };
  // createdAt is written by toISOString, whose fixed four-digit years are what makes keys comparable.
  const outside = (date: Date) => date.getUTCFullYear() < 0 || date.getUTCFullYear() > 9999;
  return outside(span.first) || outside(span.last) ? undefined : span;
}
