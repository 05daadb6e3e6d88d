/**
 * multipart/form-data bodies built by hand, byte by byte, as no form library would build them: the
 * malformed bodies of the upload tests, the unit tests (test/unit/malformed-upload-bodies.test.ts) and
 * the local runner's (test/e2e/hostile-requests.test.ts) sharing one definition.
 */

export const BOUNDARY = 'form-boundary-7MA4YWxk';
export const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
export const CSV = 'email,subject,content\nana@example.com,Hi,Hello\n';

export const part = (headers: string[], content: string) =>
  `--${BOUNDARY}\r\n${headers.join('\r\n')}\r\n\r\n${content}\r\n`;
export const filePart = (content = CSV, name = 'file') =>
  part(
    [`Content-Disposition: form-data; name="${name}"; filename="list.csv"`, 'Content-Type: text/csv'],
    content,
  );
export const field = (name: string, value: string) =>
  part([`Content-Disposition: form-data; name="${name}"`], value);
export const CLOSE = `--${BOUNDARY}--\r\n`;

/** A well-formed form of a file and a dryRun field: what the malformed bodies are cut from. */
export const WELL_FORMED = `${filePart()}${field('dryRun', 'true')}${CLOSE}`;

export interface MalformedBody {
  name: string;
  body: string;
  contentType: string;
  /** The answer's status and problem. */
  status: number;
  problem: string;
}

const malformed = (name: string, body: string, contentType = CONTENT_TYPE): MalformedBody => ({
  name,
  body,
  contentType,
  status: 400,
  problem: 'MALFORMED_MULTIPART',
});

/**
 * One body of each kind: cut inside the file part, without its closing boundary, with another
 * boundary, with parts without names, with headers over busboy's 16 KB, with a second file.
 */
export function malformedBodies(): MalformedBody[] {
  const insideFile = WELL_FORMED.indexOf('Hello') + 2;
  return [
    malformed('cut inside the file part', WELL_FORMED.slice(0, insideFile)),
    malformed('cut inside a part header', WELL_FORMED.slice(0, WELL_FORMED.indexOf('filename'))),
    malformed('cut inside the closing boundary', WELL_FORMED.slice(0, -6)),
    malformed('without its closing boundary', `${filePart()}${field('dryRun', 'true')}`),
    malformed('with another boundary', WELL_FORMED, 'multipart/form-data; boundary=another-boundary'),
    malformed('without a boundary parameter', WELL_FORMED, 'multipart/form-data'),
    malformed(
      'with a part without a name',
      `${part(['Content-Disposition: form-data; filename="list.csv"'], CSV)}${CLOSE}`,
    ),
    malformed(
      'with a part without Content-Disposition',
      `${filePart()}${part(['X-Note: none'], 'x')}${CLOSE}`,
    ),
    malformed(
      'with part headers over 16 KB',
      `${part(['Content-Disposition: form-data; name="file"; filename="a.csv"', `X-Pad: ${'a'.repeat(20_000)}`], CSV)}${CLOSE}`,
    ),
    {
      ...malformed('with a second file', `${filePart()}${filePart()}${CLOSE}`),
      problem: 'MULTIPLE_FILE_PARTS',
    },
  ];
}
