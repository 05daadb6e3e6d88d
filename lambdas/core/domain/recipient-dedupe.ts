/**
 * Remembers which normalised addresses a batch has already accepted, and on which line.
 *
 * This is the only state of an upload that grows with the file, so it keeps no strings: each address
 * is reduced to a 64-bit hash (two independent 32-bit hashes) stored with its first line in an
 * open-addressing table of three Uint32Arrays, 12 bytes a slot, at most 70% full. That is 17 to 34
 * bytes per address (about 25 for a million), against about 90 for a Map of the address strings
 * (`npm run bench:ingest` measures both). The duplicate report needs no stored address: a duplicate's
 * address is the current row's.
 *
 * The price is the chance that two different addresses share a hash, which would report the second as a
 * duplicate of the first: about n² / 2⁶⁵, one in 37 million for a million addresses.
 */
export class RecipientDedupe {
  private high = new Uint32Array(INITIAL_SLOTS);
  private low = new Uint32Array(INITIAL_SLOTS);
  /** First line of the address in each slot; 0 marks a free slot (a data line is at least 2). */
  private lines = new Uint32Array(INITIAL_SLOTS);
  private count = 0;

  /** Records the address and returns undefined, or returns the line that first had it. */
  firstSeen(normalisedEmail: string, line: number): number | undefined {
    const high = hash32(normalisedEmail, SEED_HIGH);
    const low = hash32(normalisedEmail, SEED_LOW);
    const mask = this.lines.length - 1;
    let slot = low & mask;
    for (;;) {
      const first = this.lines[slot] as number;
      if (first === 0) break;
      if (this.high[slot] === high && this.low[slot] === low) return first;
      slot = (slot + 1) & mask;
    }
    this.high[slot] = high;
    this.low[slot] = low;
    this.lines[slot] = Math.max(1, line);
    this.count += 1;
    if (this.count > this.lines.length * MAX_LOAD) this.grow();
    return undefined;
  }

  get size(): number {
    return this.count;
  }

  /** Bytes the table holds now: what the dedupe costs the upload. */
  get bytes(): number {
    return this.high.byteLength + this.low.byteLength + this.lines.byteLength;
  }

  private grow(): void {
    const { high, low, lines } = this;
    const slots = lines.length * 2;
    this.high = new Uint32Array(slots);
    this.low = new Uint32Array(slots);
    this.lines = new Uint32Array(slots);
    const mask = slots - 1;
    for (let i = 0; i < lines.length; i++) {
      const first = lines[i] as number;
      if (first === 0) continue;
      let slot = (low[i] as number) & mask;
      while (this.lines[slot] !== 0) slot = (slot + 1) & mask;
      this.high[slot] = high[i] as number;
      this.low[slot] = low[i] as number;
      this.lines[slot] = first;
    }
  }
}

const INITIAL_SLOTS = 1024;
const MAX_LOAD = 0.7;
const SEED_HIGH = 0x9747b28c;
const SEED_LOW = 0x3c6ef372;

/** A seeded 32-bit hash of UTF-16 code units: multiply-xorshift per unit, MurmurHash3's finaliser. */
function hash32(text: string, seed: number): number {
  let h = seed ^ text.length;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x5bd1e995);
    h ^= h >>> 15;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
