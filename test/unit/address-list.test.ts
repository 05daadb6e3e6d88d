import { describe, expect, it } from 'vitest';
import { type AddressEntry, readAddressList } from '../../lambdas/core/domain/address-list.js';

const read = async (file: string | Buffer): Promise<AddressEntry[]> => {
  const entries: AddressEntry[] = [];
  for await (const entry of readAddressList([file])) entries.push(entry);
  return entries;
};

describe('readAddressList', () => {
  it('takes the column a header names email (any of its names, any position), ignoring the others', async () => {
    expect(await read('name,E-Mail,since\nAna, Ana@Example.com ,2020\nBob,bob@example.com,2021\n')).toEqual([
      { kind: 'address', line: 2, email: 'ana@example.com' },
      { kind: 'address', line: 3, email: 'bob@example.com' },
    ]);
  });

  it('takes the first column of a file without a header, from line 1', async () => {
    expect(await read('ana@example.com,Ana\nbob@example.com\n')).toEqual([
      { kind: 'address', line: 1, email: 'ana@example.com' },
      { kind: 'address', line: 2, email: 'bob@example.com' },
    ]);
  });

  it('reads an Excel export: BOM, CRLF, semicolons, blank lines kept in the line numbers', async () => {
    const csv = '\uFEFFEmail;Name\r\nana@example.com;Ana\r\n\r\n;;\r\nbob@example.com;Bob\r\n';
    expect(await read(Buffer.from(csv))).toEqual([
      { kind: 'address', line: 2, email: 'ana@example.com' },
      { kind: 'address', line: 5, email: 'bob@example.com' },
    ]);
  });

  it('reads UTF-16 and Windows-1252 as a campaign is read', async () => {
    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('email\nana@example.com\n', 'utf16le'),
    ]);
    expect(await read(utf16)).toEqual([{ kind: 'address', line: 2, email: 'ana@example.com' }]);
    const cp1252 = Buffer.from('email;name\nbob@example.com;Jos\xe9\n', 'latin1');
    expect(await read(cp1252)).toEqual([{ kind: 'address', line: 2, email: 'bob@example.com' }]);
  });

  it('names every line that holds no address, with why, and every address met again with its first line', async () => {
    const csv = 'email\nana@example.com\nnot-an-address\n\nANA@example.com\n"bob@\nexample.com"\n,x\n';
    expect(await read(csv)).toEqual([
      { kind: 'address', line: 2, email: 'ana@example.com' },
      {
        kind: 'invalid',
        line: 3,
        reason: 'email is not of the form local@domain',
        value: 'not-an-address',
      },
      { kind: 'repeated', line: 5, email: 'ana@example.com', firstLine: 2 },
      // A line break inside a quoted field is shown as Unicode's picture of it.
      { kind: 'invalid', line: 6, reason: 'email contains whitespace', value: 'bob@\u240aexample.com' },
      { kind: 'invalid', line: 8, reason: 'email is empty', value: '' },
    ]);
  });

  it('reports a malformed record at its line and goes on', async () => {
    const entries = await read('email\nana"x@example.com\nbob@example.com\n');
    expect(entries[0]).toMatchObject({
      kind: 'invalid',
      line: 2,
      reason: expect.stringMatching(/^malformed CSV/),
    });
    expect(entries[1]).toEqual({ kind: 'address', line: 3, email: 'bob@example.com' });
  });
});
