import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Page cursors (GraphQL's pages, GET /suppressions): a position in a list's key order plus a
 * fingerprint of the filters it was issued for, base64url-encoded and signed with HMAC-SHA256. The signature makes a cursor
 * tamper-evident, the fingerprint makes one issued for other filters fail loudly instead of silently
 * paging through the wrong set, and the version leaves room to change the format later.
 */

export type InvalidCursorReason = 'malformed' | 'other-filters';

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';

  constructor(readonly reason: InvalidCursorReason) {
    super(
      reason === 'malformed'
        ? 'the cursor was not issued by this service or was altered'
        : 'the cursor was issued for other filters',
    );
  }
}

const FORMAT_VERSION = 1;
/** Far above any createdKey; refuses oversized input before it reaches a key condition. */
const MAX_POSITION_LENGTH = 256;
const FALLBACK_SALT = 'campaign-mailer/page-cursor/v1';

interface CursorPayload {
  v: number;
  /** The key of the last item of the page the cursor follows (a createdKey, a suppression's position). */
  p: string;
  /** Fingerprint of the filter scope. */
  s: string;
}

const fingerprint = (scope: string) => createHash('sha256').update(scope).digest('base64url').slice(0, 22);

/**
 * The HMAC key. A configured CURSOR_SECRET is the real answer. Without one, the key is derived from
 * the table name and a fixed salt: stable across containers and deployments, so cursors survive a cold
 * start (a per-container random key would break every walk that spans two containers), but guessable
 * by anyone who knows the table name. A forged cursor can only pick a starting point inside filters
 * the caller may query anyway, so this is tolerable locally; on Lambda queryConfig requires
 * CURSOR_SECRET, which the stack sets from a secret it generates in Secrets Manager.
 */
export function cursorSigningKey(config: { tableName: string; cursorSecret?: string }): string {
  return config.cursorSecret ?? `${FALLBACK_SALT}:${config.tableName}`;
}

export class PageCursors {
  constructor(private readonly key: string | Buffer) {}

  encode(position: string, scope: string): string {
    const payload: CursorPayload = { v: FORMAT_VERSION, p: position, s: fingerprint(scope) };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.sign(body)}`;
  }

  /** Returns the position the cursor points at, or throws InvalidCursorError. */
  decode(cursor: string, scope: string): string {
    const parts = cursor.split('.');
    const [body, signature] = parts;
    if (parts.length !== 2 || !body || !signature) throw new InvalidCursorError('malformed');
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new InvalidCursorError('malformed');
    }
    const payload = parsePayload(body);
    if (payload === undefined) throw new InvalidCursorError('malformed');
    if (payload.s !== fingerprint(scope)) throw new InvalidCursorError('other-filters');
    return payload.p;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}

/** Signed payloads come from encode(), but a leaked key or an old format must still fail cleanly. */
function parsePayload(body: string): CursorPayload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { v, p, s } = value as Record<string, unknown>;
  if (v !== FORMAT_VERSION || typeof s !== 'string' || typeof p !== 'string') return undefined;
  if (p.length === 0 || p.length > MAX_POSITION_LENGTH) return undefined;
  return { v, p, s };
}
