import { describe, expect, it } from 'vitest';
import { cursorSigningKey, InvalidCursorError, PageCursors } from '../../lambdas/core/domain/page-cursor.js';

const position = '2026-11-20T10:00:00.000Z#0123456789abcdef0123456789abcdef';
const scope = '["SENT",null,null,null]';
const cursors = new PageCursors('a-secret-of-sixteen+');

function reasonOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    if (error instanceof InvalidCursorError) return error.reason;
    throw error;
  }
  return undefined;
}

/** Replaces the payload, keeping the original signature. */
function withPayload(cursor: string, payload: unknown): string {
  const signature = cursor.split('.')[1];
  return `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
}

describe('PageCursors', () => {
  it('decodes a cursor it encoded back to its position', () => {
    expect(cursors.decode(cursors.encode(position, scope), scope)).toBe(position);
  });

  it('produces an opaque cursor of URL-safe characters only', () => {
    const cursor = cursors.encode(position, scope);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain(position);
  });

  it('decodes the cursor in another instance with the same key, as after a cold start', () => {
    const cursor = cursors.encode(position, scope);
    expect(new PageCursors('a-secret-of-sixteen+').decode(cursor, scope)).toBe(position);
  });

  it('rejects a cursor whose position was changed', () => {
    const cursor = cursors.encode(position, scope);
    const payload = JSON.parse(Buffer.from(cursor.split('.')[0] ?? '', 'base64url').toString());
    const forged = withPayload(cursor, { ...payload, p: '2099-01-01T00:00:00.000Z#ffff' });
    expect(reasonOf(() => cursors.decode(forged, scope))).toBe('malformed');
  });

  it('rejects a cursor whose filter fingerprint was swapped for another one', () => {
    const other = '["ERROR",null,null,null]';
    const cursor = cursors.encode(position, scope);
    const payload = JSON.parse(Buffer.from(cursor.split('.')[0] ?? '', 'base64url').toString());
    const otherPayload = JSON.parse(
      Buffer.from(cursors.encode(position, other).split('.')[0] ?? '', 'base64url').toString(),
    );
    const forged = withPayload(cursor, { ...payload, s: otherPayload.s });
    expect(reasonOf(() => cursors.decode(forged, other))).toBe('malformed');
  });

  it('rejects a cursor with a flipped signature character', () => {
    const cursor = cursors.encode(position, scope);
    const last = cursor.at(-1) === 'A' ? 'B' : 'A';
    expect(reasonOf(() => cursors.decode(`${cursor.slice(0, -1)}${last}`, scope))).toBe('malformed');
  });

  it('rejects a cursor signed with another key', () => {
    const foreign = new PageCursors('another-secret-of-16').encode(position, scope);
    expect(reasonOf(() => cursors.decode(foreign, scope))).toBe('malformed');
  });

  it('rejects a genuine cursor presented with other filters', () => {
    const cursor = cursors.encode(position, scope);
    expect(reasonOf(() => cursors.decode(cursor, '["ERROR",null,null,null]'))).toBe('other-filters');
  });

  it.each(['', 'abc', 'a.b.c', '.', 'eyJ2IjoxfQ.', '!!!.???'])('rejects the malformed cursor %j', (text) => {
    expect(reasonOf(() => cursors.decode(text, scope))).toBe('malformed');
  });
});

describe('cursorSigningKey', () => {
  it('uses the configured secret', () => {
    expect(cursorSigningKey({ tableName: 'EmailSends', cursorSecret: 'configured-secret-123' })).toBe(
      'configured-secret-123',
    );
  });

  it('derives a stable fallback from the table name, the same in every container', () => {
    const a = cursorSigningKey({ tableName: 'EmailSends' });
    expect(cursorSigningKey({ tableName: 'EmailSends' })).toBe(a);
    expect(cursorSigningKey({ tableName: 'OtherTable' })).not.toBe(a);
  });
});
