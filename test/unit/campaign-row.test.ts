import { describe, expect, it } from 'vitest';
import { matchHeader } from '../../lambdas/core/domain/campaign-header.js';
import {
  checkRow,
  MAX_CONTENT_BYTES,
  MAX_SUBJECT_LENGTH,
  MAX_VARIABLES_BYTES,
} from '../../lambdas/core/domain/campaign-row.js';

const columns = matchHeader(['email', 'subject', 'content', 'first_name']);

describe('checkRow', () => {
  it('accepts a row, normalising the address, trimming the subject and keeping content and variables as written', () => {
    expect(
      checkRow(['  Ana@Example.COM ', '  Hello {{first_name}} ', ' <p>Hi</p>\n', ' Ana '], columns),
    ).toEqual({
      ok: true,
      row: {
        email: 'ana@example.com',
        subject: 'Hello {{first_name}}',
        content: ' <p>Hi</p>\n',
        variables: { first_name: ' Ana ' },
      },
    });
  });

  it('rejects a row with fewer fields than the header, showing the row', () => {
    expect(checkRow(['ana@example.com', 'Hello', 'Hi'], columns)).toEqual({
      ok: false,
      reason: 'row has 3 field(s) but the header has 4',
      value: 'ana@example.com,Hello,Hi',
    });
  });

  it('rejects a row with more fields than the header, showing at most 200 characters of it', () => {
    const check = checkRow(['ana@example.com', 'Hello', 'x'.repeat(300), 'Ana', 'extra'], columns);
    expect(check).toEqual({
      ok: false,
      reason: 'row has 5 field(s) but the header has 4',
      value: `ana@example.com,Hello,${'x'.repeat(178)}`,
    });
  });

  it('rejects an invalid address, showing it as written', () => {
    expect(checkRow([' ana@@example ', 'Hello', 'Hi', 'Ana'], columns)).toEqual({
      ok: false,
      reason: 'email local part has characters that are not allowed',
      value: ' ana@@example ',
    });
  });

  it('rejects a row whose subject is empty or only whitespace', () => {
    expect(checkRow(['ana@example.com', ' \t ', 'Hi', 'Ana'], columns)).toEqual({
      ok: false,
      reason: 'subject is empty',
      value: '',
    });
  });

  it.each([
    ['CRLF', 'Hello\r\nBcc: victim@example.net'],
    ['LF', 'Hello\nBcc: victim@example.net'],
    ['CR', 'Hello\rBcc: victim@example.net'],
  ])('rejects a row whose subject contains a line break (%s)', (_kind, subject) => {
    expect(checkRow(['ana@example.com', subject, 'Hi', 'Ana'], columns)).toEqual({
      ok: false,
      reason: 'subject contains a line break',
      value: subject,
    });
  });

  it('accepts a subject of the longest length a header line allows and rejects one character more', () => {
    const longest = 's'.repeat(MAX_SUBJECT_LENGTH);
    expect(MAX_SUBJECT_LENGTH).toBe(998);
    expect(checkRow(['ana@example.com', longest, 'Hi', 'Ana'], columns).ok).toBe(true);
    expect(checkRow(['ana@example.com', `${longest}s`, 'Hi', 'Ana'], columns)).toEqual({
      ok: false,
      reason: 'subject is longer than 998 characters',
      value: `${longest}s`,
    });
  });

  it('rejects a row whose content is empty or only whitespace', () => {
    expect(checkRow(['ana@example.com', 'Hello', ' \r\n ', 'Ana'], columns)).toEqual({
      ok: false,
      reason: 'content is empty',
      value: ' \r\n ',
    });
  });

  it('accepts content of 256 KB and rejects one byte more, counting UTF-8 bytes', () => {
    const atLimit = 'x'.repeat(MAX_CONTENT_BYTES);
    expect(checkRow(['ana@example.com', 'Hi', atLimit, 'Ana'], columns).ok).toBe(true);
    const accented = `${'x'.repeat(MAX_CONTENT_BYTES - 1)}é`;
    expect(checkRow(['ana@example.com', 'Hi', accented, 'Ana'], columns)).toEqual({
      ok: false,
      reason: 'content is larger than 256 KB',
      value: 'x'.repeat(200),
    });
  });

  it('rejects a row whose personalisation columns hold more than 32 KB', () => {
    const big = 'y'.repeat(MAX_VARIABLES_BYTES);
    expect(checkRow(['ana@example.com', 'Hi', 'Body', big], columns)).toEqual({
      ok: false,
      reason: 'personalisation columns hold more than 32 KB',
      value: `ana@example.com,Hi,Body,${big}`.slice(0, 200),
    });
  });

  it('rejects a NUL or another control character in the address or the subject, naming it and showing it', () => {
    expect(checkRow(['ana\u0000@example.com', 'Hi', 'Body', ''], columns)).toEqual({
      ok: false,
      reason: 'email contains the control character U+0000',
      value: 'ana\u2400@example.com',
    });
    expect(checkRow(['ana@example.com', 'Hi\u0000there', 'Body', ''], columns)).toEqual({
      ok: false,
      reason: 'subject contains the control character U+0000',
      value: 'Hi\u2400there',
    });
    for (const control of ['\t', '\u0007', '\u001b', '\u007f']) {
      const check = checkRow(['ana@example.com', `Hi${control}there`, 'Body', ''], columns);
      expect(check.ok ? undefined : check.reason).toMatch(/^subject contains the control character U\+00/);
    }
  });

  it('rejects control characters in content and personalisation values, but keeps their tabs and line breaks', () => {
    expect(checkRow(['ana@example.com', 'Hi', 'Body\u0000', ''], columns)).toEqual({
      ok: false,
      reason: 'content contains the control character U+0000',
      value: 'Body\u2400',
    });
    expect(checkRow(['ana@example.com', 'Hi', 'Body', 'A\u0008na'], columns)).toEqual({
      ok: false,
      reason: 'column first_name contains the control character U+0008',
      value: 'A\u2408na',
    });
    const layout = checkRow(['ana@example.com', 'Hi', 'Line\tone\r\nLine two\n', 'Ana\tB\nC'], columns);
    expect(layout.ok).toBe(true);
  });
});
