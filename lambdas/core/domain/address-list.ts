import { REPLACEMENT_CHARACTER } from './campaign-encoding.js';
import { COLUMN_ALIASES } from './campaign-header.js';
import { NOT_UTF8, NOT_UTF16 } from './campaign-reader.js';
import { visibleControls } from './campaign-row.js';
import { CsvRecords, TOO_LONG } from './csv-records.js';
import { emailProblem, normaliseEmail } from './email-address.js';

/** What one non-blank line of a list of addresses turned out to be. */
export type AddressEntry =
  | { kind: 'address'; line: number; email: string }
  /** The address was on an earlier line of the same file. */
  | { kind: 'repeated'; line: number; email: string; firstLine: number }
  | { kind: 'invalid'; line: number; reason: string; value: string };

const EMAIL_HEADERS: readonly string[] = COLUMN_ALIASES.email;

/** The column of the addresses when `fields` is a header naming one (`email`, as a campaign's header may). */
function emailColumnOf(fields: string[]): number | undefined {
  const index = fields.findIndex((field) => EMAIL_HEADERS.includes(field.trim().toLowerCase()));
  return index === -1 ? undefined : index;
}

/**
 * Reads a list of addresses, such as another tool's export of its suppression list: a CSV whose first
 * line is a header with an `email` column (any of a campaign's names for it, in any position; the other
 * columns are ignored), or has no header and holds the addresses in its first column. It is read as a
 * campaign is (csv-records.ts: UTF-8 with or without BOM, Windows-1252, UTF-16; `,` `;` or tab, Excel's
 * `sep=` line; any line ending; blank lines skipped), and each address normalised and checked as a
 * campaign's are. An address met again is `repeated` with the line it was first on. Memory grows with
 * the distinct addresses, which the caller bounds by the size of the file it takes.
 * Throws CampaignFileError for a `sep=` line declaring a delimiter other than `,` `;` or tab.
 */
export async function* readAddressList(
  source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
): AsyncGenerator<AddressEntry> {
  const csv = new CsvRecords();
  let column: number | undefined;
  const firstLines = new Map<string, number>();
  for await (const record of csv.read(source)) {
    const { line } = record;
    if (record.kind === 'malformed') {
      const reason = record.tooLong
        ? `record is ${TOO_LONG}; the rest of the file was not read`
        : `malformed CSV: ${record.reason}`;
      yield { kind: 'invalid', line, reason, value: record.value };
      continue;
    }
    if (column === undefined) {
      column = emailColumnOf(record.fields);
      if (column !== undefined) continue;
      column = 0;
    }
    const raw = record.fields[column] ?? '';
    if (csv.encoding !== 'windows-1252' && raw.includes(REPLACEMENT_CHARACTER)) {
      yield {
        kind: 'invalid',
        line,
        reason: csv.encoding === 'utf-8' ? NOT_UTF8 : NOT_UTF16,
        value: raw.slice(0, 200),
      };
      continue;
    }
    const email = normaliseEmail(raw);
    const problem = emailProblem(email);
    if (problem !== undefined) {
      yield { kind: 'invalid', line, reason: problem, value: visibleControls(raw).slice(0, 200) };
      continue;
    }
    const firstLine = firstLines.get(email);
    if (firstLine !== undefined) {
      yield { kind: 'repeated', line, email, firstLine };
      continue;
    }
    firstLines.set(email, line);
    yield { kind: 'address', line, email };
  }
}
