import { CampaignFileError } from './campaign-file-error.js';

/** Field delimiters a campaign file may use: what Excel, Google Sheets and CRMs export in every locale. */
export const DELIMITERS = [',', ';', '\t'] as const;

export type CampaignDelimiter = (typeof DELIMITERS)[number];

/**
 * How far into the text the header line is looked for. A header is a few hundred characters; past
 * this the counts so far decide, and csv-parse reports whatever is wrong with the line.
 */
export const HEADER_SCAN_CHARS = 64 * 1024;

export type HeaderScan =
  | { done: false }
  | {
      done: true;
      delimiter: CampaignDelimiter;
      /**
       * Set when the file opens with Excel's `sep=;` line: its length in characters, line break not
       * included. That line is no header: the reader drops its text and keeps its line break, so that
       * it is read as a blank line and the line numbers after it still count it.
       */
      separatorLine?: number;
    };

const DELIMITER_NAMES = 'a comma, a semicolon or a tab';

/**
 * Excel's separator line: `sep=;` as the very first line says which delimiter the file uses (Excel
 * reads it and some exports write it; some tools quote it or pad it with delimiters, `"sep=;";;`).
 * Undefined when the first line is no separator line or is not complete yet; a first line that starts
 * with `sep=` but declares no delimiter this reader takes is refused, as the file would be misread.
 */
function separatorLineOf(
  text: string,
  ended: boolean,
): { delimiter: CampaignDelimiter; length: number } | undefined {
  const end = text.search(/[\r\n]/);
  if (end === -1 && !ended && text.length < HEADER_SCAN_CHARS) return undefined;
  const line = text.slice(0, end === -1 ? HEADER_SCAN_CHARS : end);
  const opening = /^\uFEFF?("?)sep=/i.exec(line);
  if (opening === null) return undefined;
  const shown = JSON.stringify(line.slice(0, 50));
  const declared = line[opening[0].length] ?? '';
  if (!(DELIMITERS as readonly string[]).includes(declared)) {
    const what = declared === '' ? 'no delimiter' : `the delimiter ${JSON.stringify(declared)}`;
    throw new CampaignFileError(
      'INVALID_SEPARATOR_LINE',
      `line 1 (${shown}) declares ${what}; a campaign file is separated by ${DELIMITER_NAMES}`,
      { line: 1 },
    );
  }
  const quoted = opening[1] === '"';
  const rest = line.slice(opening[0].length + 1);
  const padding = quoted && rest.startsWith('"') ? rest.slice(1) : rest;
  if ((quoted && !rest.startsWith('"')) || [...padding].some((char) => char !== declared)) {
    throw new CampaignFileError(
      'INVALID_SEPARATOR_LINE',
      `line 1 (${shown}) is not a separator line: expected sep= and the delimiter alone, such as sep=;`,
      { line: 1 },
    );
  }
  return { delimiter: declared as CampaignDelimiter, length: line.length };
}

/**
 * Picks the delimiter: the one a `sep=` first line declares (see separatorLineOf), or else the
 * candidate that occurs most often outside quotes in the first non-blank line (`,` on a tie or when
 * none occurs, so a one-column header is refused for its missing columns as before). `done: false`
 * means the text seen so far ends before the header line does: call again with more.
 */
export function detectDelimiter(text: string, ended: boolean): HeaderScan {
  const declared = separatorLineOf(text, ended);
  if (declared !== undefined) {
    return { done: true, delimiter: declared.delimiter, separatorLine: declared.length };
  }
  let counts = emptyCounts();
  let inQuotes = false;
  // A line of nothing but delimiters and spaces (`,,,` as spreadsheets export) is blank, as for the reader.
  let hasContent = false;
  const limit = Math.min(text.length, HEADER_SCAN_CHARS);
  for (let i = 0; i < limit; i++) {
    const char = text[i] as string;
    if (char === '"') {
      inQuotes = !inQuotes;
      hasContent = true;
    } else if (inQuotes) {
      hasContent = true;
    } else if (char === '\n' || char === '\r') {
      if (hasContent) return { done: true, delimiter: mostFrequent(counts) };
      counts = emptyCounts();
    } else if (counts.has(char)) {
      counts.set(char, (counts.get(char) ?? 0) + 1);
    } else if (char.trim() !== '') {
      hasContent = true;
    }
  }
  if (ended || text.length >= HEADER_SCAN_CHARS) return { done: true, delimiter: mostFrequent(counts) };
  return { done: false };
}

const emptyCounts = () => new Map<string, number>(DELIMITERS.map((d) => [d, 0]));

function mostFrequent(counts: Map<string, number>): CampaignDelimiter {
  let best: CampaignDelimiter = ',';
  for (const candidate of DELIMITERS) {
    if ((counts.get(candidate) ?? 0) > (counts.get(best) ?? 0)) best = candidate;
  }
  return best;
}
