import type { CampaignRow } from './campaign-row.js';

/**
 * A chunk of a batch's accepted rows as the writer cuts them: what the sender mails and GraphQL shows,
 * written once (an S3 object) and read by key. A content shared by many rows (a campaign's template) is
 * held once per chunk.
 */
export interface RowChunk {
  batchId: string;
  chunk: number;
  contents: string[];
  rows: ChunkRow[];
}

export interface ChunkRow {
  sendId: string;
  /** Line of the file the row starts on (header = 1). */
  line: number;
  email: string;
  subject: string;
  /** Index of the row's content in the chunk's `contents`. */
  content: number;
  variables: Record<string, string>;
}

/** An accepted row on its way into a chunk, with its send's id and its line. */
export interface CutRow {
  sendId: string;
  line: number;
  row: CampaignRow;
}

/** A chunk ends at whichever comes first: this many rows, or this many bytes of subjects, contents and variables. */
export const CHUNK_MAX_BYTES = 4 * 1024 * 1024;

/**
 * Cuts accepted rows into chunks, the same way every time the same file is read: a row closes the chunk
 * when the chunk reaches `maxRows` rows, or when adding the next row would take it past CHUNK_MAX_BYTES.
 * Deterministic chunks are what let a resumed writer skip exactly the chunks it finished.
 */
export class ChunkCutter {
  private rows: CutRow[] = [];
  private bytes = 0;

  constructor(private readonly maxRows: number) {}

  /** Adds a row; returns the finished chunk's rows when this row does not fit in the current one. */
  add(
    sendId: string,
    line: number,
    row: CampaignRow,
  ): { sendId: string; line: number; row: CampaignRow }[] | undefined {
    const size = rowBytes(row);
    let finished: CutRow[] | undefined;
    if (this.rows.length > 0 && this.bytes + size > CHUNK_MAX_BYTES) finished = this.take();
    this.rows.push({ sendId, line, row });
    this.bytes += size;
    if (this.rows.length >= this.maxRows) {
      if (finished) throw new Error('a chunk of one row cannot close two chunks at once');
      return this.take();
    }
    return finished;
  }

  /** The rows of the last, unfinished chunk (at the end of the file). */
  rest(): CutRow[] | undefined {
    return this.rows.length > 0 ? this.take() : undefined;
  }

  private take() {
    const rows = this.rows;
    this.rows = [];
    this.bytes = 0;
    return rows;
  }
}

function rowBytes(row: CampaignRow): number {
  let bytes = Buffer.byteLength(row.email) + Buffer.byteLength(row.subject) + Buffer.byteLength(row.content);
  for (const [name, value] of Object.entries(row.variables))
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

/** The chunk object of rows, contents held once. */
export function rowChunkOf(batchId: string, chunk: number, rows: CutRow[]): RowChunk {
  const contents: string[] = [];
  const indexOf = new Map<string, number>();
  const chunkRows = rows.map(({ sendId, line, row }) => {
    let content = indexOf.get(row.content);
    if (content === undefined) {
      content = contents.length;
      contents.push(row.content);
      indexOf.set(row.content, content);
    }
    return { sendId, line, email: row.email, subject: row.subject, content, variables: row.variables };
  });
  return { batchId, chunk, contents, rows: chunkRows };
}

/** One send's mail in its chunk, or undefined when the chunk has no such send. */
export function mailOf(
  chunk: RowChunk,
  sendId: string,
): { email: string; subject: string; content: string; variables: Record<string, string> } | undefined {
  const row = chunk.rows.find((r) => r.sendId === sendId);
  const content = row === undefined ? undefined : chunk.contents[row.content];
  if (row === undefined || content === undefined) return undefined;
  return { email: row.email, subject: row.subject, content, variables: row.variables };
}
