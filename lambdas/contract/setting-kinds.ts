/**
 * The kinds of value a setting can hold, and the one parser of each. The functions read settings from
 * their environment and the CDK stack from its context, both through these parsers, so that the same
 * text gets the same verdict wherever it comes from.
 */
export type SettingKind =
  /** Any text; a pattern or a minimum length when given. */
  | { readonly type: 'string'; readonly pattern?: RegExp; readonly minLength?: number }
  | { readonly type: 'integer'; readonly min: number; readonly max: number }
  /** A number strictly above `above` (fractions allowed: a send rate of 0.5 per second is one). */
  | { readonly type: 'number'; readonly above: number; readonly max: number }
  | { readonly type: 'boolean' }
  | { readonly type: 'email' }
  /** What SES verifies as an identity: an address or a domain. */
  | { readonly type: 'emailOrDomain' }
  /** Browser origins: a comma-separated list or a JSON array of bare origins, no wildcard. */
  | { readonly type: 'origins' }
  /** An absolute http(s) URL without query, fragment or credentials: the base of links we hand out. */
  | { readonly type: 'url' };

export type KindValue<K extends SettingKind> = K extends { readonly type: 'integer' | 'number' }
  ? number
  : K extends { readonly type: 'boolean' }
    ? boolean
    : K extends { readonly type: 'origins' }
      ? readonly string[]
      : string;

export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  /** `offending`: the part of the text at fault, when not all of it (one origin of a list). */
  | { readonly ok: false; readonly expected: string; readonly offending?: string };

const ADDRESS_PATTERN = /^[^\s@]+@([^\s@]+\.[^\s@]+)$/;
const DOMAIN_PATTERN = /^[^\s@]+\.[^\s@]+$/;

/** What a kind accepts, as the tail of "must be …" and in the README's configuration table. */
export function expectationOf(kind: SettingKind): string {
  switch (kind.type) {
    case 'string':
      if (kind.pattern) return `text matching ${kind.pattern}`;
      if (kind.minLength !== undefined) return `at least ${kind.minLength} characters long`;
      return 'text';
    case 'integer':
      return `an integer from ${kind.min} to ${kind.max}`;
    case 'number':
      return `a number above ${kind.above} and at most ${kind.max}`;
    case 'boolean':
      return 'true or false';
    case 'email':
      return 'an email address';
    case 'emailOrDomain':
      return 'an email address or a domain';
    case 'origins':
      return 'a comma-separated list or a JSON array of origins such as https://app.example.com (no path, no wildcard)';
    case 'url':
      return 'an absolute http or https URL such as https://mail.example.com (a path is allowed; no query or fragment)';
  }
}

/** Parses the (trimmed, non-empty) text of a setting; an empty text means "not set" and never gets here. */
export function parseKind<K extends SettingKind>(kind: K, text: string): Parsed<KindValue<K>>;
export function parseKind(kind: SettingKind, text: string): Parsed<KindValue<SettingKind>> {
  const refused = (offending?: string) =>
    ({
      ok: false,
      expected: expectationOf(kind),
      ...(offending === undefined ? {} : { offending }),
    }) as const;
  switch (kind.type) {
    case 'string': {
      const fits =
        (kind.pattern === undefined || kind.pattern.test(text)) &&
        (kind.minLength === undefined || text.length >= kind.minLength);
      return fits ? { ok: true, value: text } : refused();
    }
    case 'integer': {
      const value = Number(text);
      return Number.isInteger(value) && value >= kind.min && value <= kind.max
        ? { ok: true, value }
        : refused();
    }
    case 'number': {
      const value = Number(text);
      return Number.isFinite(value) && value > kind.above && value <= kind.max
        ? { ok: true, value }
        : refused();
    }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower === 'true' || lower === '1') return { ok: true, value: true };
      if (lower === 'false' || lower === '0') return { ok: true, value: false };
      return refused();
    }
    case 'email':
      return ADDRESS_PATTERN.test(text) ? { ok: true, value: text } : refused();
    case 'emailOrDomain':
      return ADDRESS_PATTERN.test(text) || DOMAIN_PATTERN.test(text) ? { ok: true, value: text } : refused();
    case 'origins':
      return parseOrigins(text, refused);
    case 'url':
      return isBaseUrl(text) ? { ok: true, value: text } : refused();
  }
}

/** The domain of an address the email kind accepted (SES may authorise a send against either). */
export function domainOf(address: string): string | undefined {
  return ADDRESS_PATTERN.exec(address)?.[1];
}

/** The text a parser reads back as `value`: how the stack writes a setting into a function's environment. */
export function formatKind<K extends SettingKind>(kind: K, value: KindValue<K>): string;
export function formatKind(_kind: SettingKind, value: KindValue<SettingKind>): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/**
 * A list from `cdk.json` reaches here as its JSON text, one from `-c corsOrigins=...` as a
 * comma-separated list or the same JSON array. Each item must be a bare origin: scheme, host and
 * optional port. A wildcard is refused, since the point of the setting is to name who may call the API
 * from a browser.
 */
function parseOrigins(
  text: string,
  refused: (offending?: string) => Parsed<never>,
): Parsed<readonly string[]> {
  let items: unknown;
  if (text.startsWith('[')) {
    try {
      items = JSON.parse(text);
    } catch {
      return refused();
    }
  } else {
    items = text.split(',');
  }
  if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) return refused();
  const origins = (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
  const bad = origins.find((origin) => !isBareOrigin(origin));
  if (bad !== undefined) return refused(bad);
  return { ok: true, value: [...new Set(origins)] };
}

/** A URL links can be appended to: http(s), a host, no credentials, no query or fragment. */
function isBaseUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (
    (url.protocol === 'https:' || url.protocol === 'http:') &&
    url.username === '' &&
    url.password === '' &&
    !value.includes('?') &&
    !value.includes('#') &&
    !/\s/.test(value)
  );
}

function isBareOrigin(value: string): boolean {
  if (value.includes('*')) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
}
