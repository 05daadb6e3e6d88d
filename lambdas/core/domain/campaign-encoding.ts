/**
 * How the bytes of a campaign file become text, decided from the bytes as they arrive.
 *
 * Bytes below 0x80 mean the same in UTF-8 and Windows-1252, so an ASCII prefix is passed on at once
 * and nothing has to be decided until the first byte at or above 0x80. From there up to
 * SNIFF_BYTES (or the end of the file, or the end of the chunk that reaches SNIFF_BYTES) are held and
 * checked: no byte that is not UTF-8 means UTF-8; otherwise Windows-1252 (what Excel on Windows writes
 * as "CSV"), unless valid multi-byte UTF-8 characters are at least as many as the invalid bytes (a file
 * mixing both, read as UTF-8). A file whose accents first appear on row 50,000 is therefore detected
 * as well as one with accents in its header.
 *
 * Once UTF-8 is chosen, the rest is decoded leniently: a byte sequence that is not valid UTF-8 further
 * on becomes U+FFFD, and the reader rejects the row holding it (see REPLACEMENT_CHARACTER) instead of
 * holding the whole file to decide again. Windows-1252 assigns a character to every byte, so it never
 * fails. A UTF-8 byte order mark decides UTF-8 and is dropped.
 *
 * UTF-16 (Excel's "Unicode Text", Notepad's "Unicode") is told apart at the very start, by its byte
 * order mark or the zero bytes of its header (utf16OrderOf), and decoded as such; its bytes below
 * 0x80 do not mean what they mean in the other two, so nothing is passed on before that is decided.
 */

export type CampaignEncoding = 'utf-8' | 'windows-1252' | 'utf-16le' | 'utf-16be';

/** Bytes from the first non-ASCII byte on that are held and checked before choosing the encoding. */
export const SNIFF_BYTES = 64 * 1024;

/** What a lenient UTF-8 decoder puts in place of bytes that are not UTF-8. */
export const REPLACEMENT_CHARACTER = '\uFFFD';

const BOM = [0xef, 0xbb, 0xbf];

/**
 * Windows-1252's characters for bytes 0x80–0x9F (the WHATWG table; the other bytes are Latin-1). Not
 * TextDecoder('windows-1252'): Node 20 decodes that label as Latin-1, turning € into U+0080.
 */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d,
  0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a,
  0x153, 0x9d, 0x17e, 0x178,
].map((code) => String.fromCharCode(code));

export function decodeWindows1252(bytes: Buffer): string {
  return bytes
    .toString('latin1')
    .replace(/[\u0080-\u009f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80] as string);
}

/** One way to turn the rest of the bytes into text, chunk by chunk. */
interface ChunkDecoder {
  decode(bytes?: Buffer, options?: { stream: boolean }): string;
}

const windows1252: ChunkDecoder = { decode: (bytes) => (bytes ? decodeWindows1252(bytes) : '') };

function firstNonAscii(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] as number) >= 0x80) return i;
  return -1;
}

/**
 * Counts the multi-byte UTF-8 characters and the bytes that cannot be UTF-8 in `bytes`. A sequence cut
 * by the end of `bytes` counts as neither unless the file ends there.
 */
export function utf8Evidence(bytes: Uint8Array, ended: boolean): { valid: number; invalid: number } {
  let valid = 0;
  let invalid = 0;
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    const length =
      lead >= 0xc2 && lead <= 0xdf
        ? 2
        : lead >= 0xe0 && lead <= 0xef
          ? 3
          : lead >= 0xf0 && lead <= 0xf4
            ? 4
            : 0;
    if (length === 0) {
      invalid += 1;
      i += 1;
      continue;
    }
    if (i + length > bytes.length && !ended) break;
    const sequence = bytes.subarray(i, i + length);
    if (sequence.length === length && isUtf8Sequence(sequence)) {
      valid += 1;
      i += length;
    } else {
      invalid += 1;
      i += 1;
    }
  }
  return { valid, invalid };
}

function isUtf8Sequence(sequence: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sequence);
    return true;
  } catch {
    return false;
  }
}

/**
 * Bytes held at the very start of a file to look for UTF-16: its byte order mark (2 bytes) or, without
 * one, the zero bytes of an ASCII header (every other byte).
 */
const START_BYTES = 64;

/**
 * UTF-16 told from the start of a file: its byte order mark (what Excel's "Unicode Text" and Notepad
 * write), or a header whose characters are ASCII with their zero byte second (little-endian) or first
 * (big-endian). A UTF-8 or Windows-1252 CSV has no zero byte at all, so a few such pairs decide.
 */
export function utf16OrderOf(start: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (start[0] === 0xff && start[1] === 0xfe) return 'utf-16le';
  if (start[0] === 0xfe && start[1] === 0xff) return 'utf-16be';
  let pairs = 0;
  let zeroSecond = 0;
  let zeroFirst = 0;
  for (let i = 0; i + 1 < Math.min(start.length, START_BYTES); i += 2) {
    pairs += 1;
    if (start[i] !== 0 && start[i + 1] === 0) zeroSecond += 1;
    if (start[i] === 0 && start[i + 1] !== 0) zeroFirst += 1;
  }
  if (pairs < 2) return undefined;
  if (zeroSecond * 4 >= pairs * 3) return 'utf-16le';
  if (zeroFirst * 4 >= pairs * 3) return 'utf-16be';
  return undefined;
}

/** Decodes a campaign file's chunks to text; `encoding` is final once the source is read. */
export class CampaignDecoder {
  private decided: CampaignEncoding | undefined;
  private decoder: ChunkDecoder | undefined;
  private held: Buffer[] = [];
  private heldBytes = 0;
  private atStart = true;

  /** 'utf-8' until a byte says otherwise (an ASCII-only file is valid UTF-8). */
  get encoding(): CampaignEncoding {
    return this.decided ?? 'utf-8';
  }

  async *decode(source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>): AsyncGenerator<string> {
    let start: Buffer[] = [];
    let startBytes = 0;
    let started = false;
    for await (const chunk of source) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      if (bytes.length === 0) continue;
      if (started) {
        yield* this.take(bytes);
        continue;
      }
      start.push(bytes);
      startBytes += bytes.length;
      if (startBytes < START_BYTES) continue;
      started = true;
      yield* this.begin(Buffer.concat(start));
      start = [];
    }
    if (!started && startBytes > 0) yield* this.begin(Buffer.concat(start));
    if (this.decoder === undefined) {
      if (this.heldBytes > 0) yield this.choose(Buffer.concat(this.held), true);
      return;
    }
    const rest = this.decoder.decode();
    if (rest !== '') yield rest;
  }

  /** The first bytes of the file: UTF-16 is decided here, anything else as the bytes go on. */
  private *begin(bytes: Buffer): Generator<string> {
    const utf16 = utf16OrderOf(bytes);
    if (utf16 !== undefined) {
      this.decided = utf16;
      // Its byte order mark, if any, is dropped as UTF-8's is.
      this.decoder = new TextDecoder(utf16);
    }
    yield* this.take(bytes);
  }

  private *take(bytes: Buffer): Generator<string> {
    if (this.decoder !== undefined) {
      yield this.decoder.decode(bytes, { stream: true });
      return;
    }
    if (this.heldBytes === 0) {
      const at = firstNonAscii(bytes);
      if (at === -1) {
        this.atStart = false;
        yield bytes.toString('latin1');
        return;
      }
      if (at > 0) {
        this.atStart = false;
        yield bytes.subarray(0, at).toString('latin1');
      }
      this.held.push(bytes.subarray(at));
      this.heldBytes += bytes.length - at;
    } else {
      this.held.push(bytes);
      this.heldBytes += bytes.length;
    }
    if (this.heldBytes >= SNIFF_BYTES) {
      yield this.choose(Buffer.concat(this.held), false);
      this.held = [];
    }
  }

  private choose(window: Buffer, ended: boolean): string {
    const atStart = this.atStart;
    const bom = atStart && BOM.every((byte, i) => window[i] === byte);
    const evidence = utf8Evidence(window, ended);
    // A file mixing both (rows pasted from two exports) is read as UTF-8 when most of its accents are:
    // then only the rows with other bytes are lost, and they are reported, instead of every accent
    // of the file turning into mojibake.
    this.decided = bom || evidence.valid >= evidence.invalid ? 'utf-8' : 'windows-1252';
    // A BOM is only a BOM at the very start; U+FEFF anywhere else is kept as the file has it.
    this.decoder = this.decided === 'utf-8' ? new TextDecoder('utf-8', { ignoreBOM: !atStart }) : windows1252;
    return this.decoder.decode(window, { stream: !ended });
  }
}
