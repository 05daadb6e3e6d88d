/** Field delimiters a campaign file may use: what Excel, Google Sheets and CRMs export in every locale. */
export const DELIMITERS = [',', ';', '\t'] as const;

export type CampaignDelimiter = (typeof DELIMITERS)[number];

/**
 * How far into the text the header line is looked for. A header is a few hundred characters; past
 * this the counts so far decide, and csv-parse reports whatever is wrong with the line.
 */
export const HEADER_SCAN_CHARS = 64 * 1024;

export type HeaderScan = { done: false } | { done: true; delimiter: CampaignDelimiter };

/**
 * Picks the delimiter from the header line: the candidate that occurs most often outside quotes in the
 * first non-blank line (`,` on a tie or when none occurs, so a one-column header is refused for its
 * missing columns as before). `done: false` means the text seen so far ends before the header line
 * does: call again with more.
 */
export function detectDelimiter(text: string, ended: boolean): HeaderScan {
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
