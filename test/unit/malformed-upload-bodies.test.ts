import { describe, expect, it } from 'vitest';
import { readCampaign } from '../../lambdas/core/domain/campaign-reader.js';
import { HttpError } from '../../lambdas/core/http/http-error.js';
import { MAX_FORM_PARTS, uploadedFile } from '../../lambdas/upload-api/upload-body.js';
import {
  BOUNDARY,
  CLOSE,
  CONTENT_TYPE,
  CSV,
  field,
  filePart,
  malformedBodies,
  part,
  WELL_FORMED,
} from '../helpers/multipart-bodies.js';

/**
 * Bodies of POST /campaigns/upload built by hand (test/helpers/multipart-bodies.ts): each gets an
 * answer that says what is wrong with it, and none makes the parser raise an error nobody handles
 * (vitest fails the run on any unhandled error). test/e2e/hostile-requests.test.ts sends the same
 * bodies to the local runner and checks it still serves afterwards.
 */

type Body = string | Buffer;

async function answerTo(
  body: Body,
  contentType = CONTENT_TYPE,
): Promise<{ status: number; problem?: string; message: string }> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'latin1') : body;
  try {
    await uploadedFile(
      { headers: { 'content-type': contentType }, body: bytes.toString('base64'), isBase64Encoded: true },
      1024 * 1024,
    );
    return { status: 202, message: 'accepted' };
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { status: error.statusCode, message: error.message, ...error.details };
  }
}

describe('a multipart/form-data body that is malformed', () => {
  it('is accepted whole, as the reference for the cuts below', async () => {
    expect(await answerTo(WELL_FORMED)).toEqual({ status: 202, message: 'accepted' });
  });

  it('is a 400 naming the closing boundary when cut at any byte before it ends', async () => {
    const end = WELL_FORMED.length - '--\r\n'.length;
    const answers = new Map<string, number[]>();
    for (let cut = 1; cut < end; cut++) {
      const answer = await answerTo(WELL_FORMED.slice(0, cut));
      expect([cut, answer.status, answer.problem]).toEqual([cut, 400, 'MALFORMED_MULTIPART']);
      answers.set(answer.message, [...(answers.get(answer.message) ?? []), cut]);
    }
    // Before the first boundary is complete nothing of the form can be found; after, it was cut short.
    expect([...answers.keys()]).toEqual([
      `malformed multipart/form-data: the body has no part delimited by the boundary "${BOUNDARY}" that the Content-Type names; send the body with the Content-Type its form was built with`,
      `malformed multipart/form-data: the body ends before its closing boundary --${BOUNDARY}--: it was cut short, or the closing boundary is missing`,
    ]);
    expect(answers.values().next().value).toEqual(
      Array.from({ length: BOUNDARY.length + 1 }, (_, i) => i + 1),
    );
  });

  it('is answered as the shared list of malformed bodies says', async () => {
    for (const { name, body, contentType, status, problem } of malformedBodies()) {
      const answer = await answerTo(body, contentType);
      expect([name, answer.status, answer.problem]).toEqual([name, status, problem]);
    }
  });

  it('is accepted when only the line break after the closing boundary is missing', async () => {
    expect((await answerTo(WELL_FORMED.slice(0, -2))).status).toBe(202);
  });

  it('is a 400 when the closing boundary is missing, or empty', async () => {
    expect(await answerTo(`${filePart()}${field('dryRun', 'true')}`)).toEqual({
      status: 400,
      problem: 'MALFORMED_MULTIPART',
      message: `malformed multipart/form-data: the body ends before its closing boundary --${BOUNDARY}--: it was cut short, or the closing boundary is missing`,
    });
    expect(await answerTo('')).toEqual({
      status: 400,
      problem: 'MALFORMED_MULTIPART',
      message: 'malformed multipart/form-data: the body is empty',
    });
  });

  it('is a 400 when the Content-Type names another boundary, or none', async () => {
    expect(await answerTo(WELL_FORMED, 'multipart/form-data; boundary=another-boundary')).toEqual({
      status: 400,
      problem: 'MALFORMED_MULTIPART',
      message:
        'malformed multipart/form-data: the body has no part delimited by the boundary "another-boundary" that the Content-Type names; send the body with the Content-Type its form was built with',
    });
    expect((await answerTo(WELL_FORMED, 'multipart/form-data')).message).toBe(
      'malformed multipart/form-data: the Content-Type has no boundary parameter (multipart/form-data; boundary=…)',
    );
  });

  it('is a 400 when a part has no name, or no Content-Disposition at all', async () => {
    const nameless = part(
      ['Content-Disposition: form-data; filename="list.csv"', 'Content-Type: text/csv'],
      CSV,
    );
    expect(await answerTo(`${nameless}${CLOSE}`)).toEqual({
      status: 400,
      problem: 'MALFORMED_MULTIPART',
      message:
        'malformed multipart/form-data: part 1 has no name: every part needs a header Content-Disposition: form-data; name="…"',
    });
    expect(
      (await answerTo(`${filePart()}${part(['Content-Disposition: form-data'], 'true')}${CLOSE}`)).message,
    ).toBe(
      'malformed multipart/form-data: part 2 has no name: every part needs a header Content-Disposition: form-data; name="…"',
    );
    expect(await answerTo(`${filePart()}${part(['X-Note: none'], 'true')}${CLOSE}`)).toEqual({
      status: 400,
      problem: 'MALFORMED_MULTIPART',
      message:
        'malformed multipart/form-data: 1 of its 2 parts has no Content-Disposition: form-data header with a name',
    });
  });

  it('is a 400 when a part has headers over 16 KB, or malformed ones', async () => {
    const huge = part(
      [
        'Content-Disposition: form-data; name="file"; filename="list.csv"',
        `X-Padding: ${'a'.repeat(20_000)}`,
      ],
      CSV,
    );
    expect(await answerTo(`${huge}${CLOSE}`)).toEqual({
      status: 400,
      problem: 'MALFORMED_MULTIPART',
      message: 'malformed multipart/form-data: the headers of part 1 are malformed or longer than 16 KB',
    });
    const broken = part(['Content-Disposition form-data; name="file"'], CSV);
    expect((await answerTo(`${broken}${CLOSE}`)).message).toBe(
      'malformed multipart/form-data: the headers of part 1 are malformed or longer than 16 KB',
    );
  });

  it('is a 400 with a second file in the field file, which would otherwise be ignored', async () => {
    expect(await answerTo(`${filePart()}${filePart('email,subject,content\n')}${CLOSE}`)).toEqual({
      status: 400,
      problem: 'MULTIPLE_FILE_PARTS',
      message: 'the form has 2 files in the field "file"; send one CSV per upload',
    });
  });

  it(`is a 400 with more than ${MAX_FORM_PARTS} parts, and reads the file when it has that many`, async () => {
    const fields = (count: number) =>
      Array.from({ length: count }, (_, i) => field(`note${i}`, 'x')).join('');
    expect((await answerTo(`${filePart()}${fields(MAX_FORM_PARTS - 1)}${CLOSE}`)).status).toBe(202);
    expect(await answerTo(`${filePart()}${fields(MAX_FORM_PARTS)}${CLOSE}`)).toEqual({
      status: 400,
      problem: 'MALFORMED_MULTIPART',
      message: `malformed multipart/form-data: the form has more than ${MAX_FORM_PARTS} parts; an upload needs the file, its flags (dryRun, allowDuplicate) and its send options (sendAt, maxRate, priority)`,
    });
  });
});

describe('a file that is no CSV, or in a charset the reader does not read', () => {
  const withFile = (bytes: Buffer) =>
    Buffer.concat([
      Buffer.from(
        `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="list.csv"\r\n\r\n`,
      ),
      bytes,
      Buffer.from(`\r\n${CLOSE}`),
    ]);

  it('is a 415 when the file is gzip-compressed or a ZIP archive (an .xlsx workbook)', async () => {
    expect(await answerTo(withFile(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00])))).toEqual({
      status: 415,
      problem: 'NOT_A_CSV_FILE',
      message:
        'the file is gzip-compressed, not a CSV: send it uncompressed, or send the compressed body with Content-Encoding: gzip',
    });
    expect(await answerTo(withFile(Buffer.from('PK\x03\x04\x14\x00', 'latin1')))).toEqual({
      status: 415,
      problem: 'NOT_A_CSV_FILE',
      message:
        'the file is a ZIP archive (an Excel workbook?), not a CSV: save it as CSV (UTF-8) and upload that',
    });
  });

  it('is a 415 naming UTF-32, or a declared charset other than UTF-8, UTF-16 and Windows-1252', async () => {
    expect(await answerTo(withFile(Buffer.from([0xff, 0xfe, 0x00, 0x00, 0x65, 0x00, 0x00, 0x00])))).toEqual({
      status: 415,
      problem: 'UNSUPPORTED_CHARSET',
      message: 'charset "utf-32" is not supported: save the CSV as UTF-8 (or UTF-16, or Windows-1252)',
    });
    expect(await answerTo(CSV, 'text/csv; charset=Shift_JIS')).toEqual({
      status: 415,
      problem: 'UNSUPPORTED_CHARSET',
      message: 'charset "shift_jis" is not supported: save the CSV as UTF-8 (or UTF-16, or Windows-1252)',
    });
    for (const charset of ['utf-8', 'UTF8', 'iso-8859-1', 'windows-1252', '"utf-8"']) {
      expect([charset, (await answerTo(CSV, `text/csv; charset=${charset}`)).status]).toEqual([charset, 202]);
    }
  });

  it('reads a body declared UTF-16 without a byte order mark, in the declared byte order', async () => {
    const rows = async (bytes: Buffer, charset: string) => {
      const file = await uploadedFile(
        {
          headers: { 'content-type': `text/csv; charset=${charset}` },
          body: bytes.toString('base64'),
          isBase64Encoded: true,
        },
        1024 * 1024,
      );
      const kinds: string[] = [];
      for await (const entry of readCampaign([file.bytes])) {
        kinds.push(entry.kind === 'format' ? entry.encoding : entry.kind);
      }
      return kinds;
    };
    const le = Buffer.from(CSV, 'utf16le');
    expect(await rows(le, 'utf-16le')).toEqual(['accepted', 'utf-16le']);
    expect(await rows(le, 'utf-16')).toEqual(['accepted', 'utf-16le']);
    expect(await rows(Buffer.from(le).swap16(), 'utf-16be')).toEqual(['accepted', 'utf-16be']);
  });
});
