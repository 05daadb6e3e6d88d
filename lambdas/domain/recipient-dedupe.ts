/**
 * Remembers which normalised addresses a batch has already accepted, and on which line.
 * This is the only state of an upload that grows with the file, so it keeps just the address and
 * a line number per recipient.
 */
export class RecipientDedupe {
  private readonly firstLineByAddress = new Map<string, number>();

  /** Records the address and returns undefined, or returns the line that first had it. */
  firstSeen(normalisedEmail: string, line: number): number | undefined {
    const first = this.firstLineByAddress.get(normalisedEmail);
    if (first !== undefined) return first;
    this.firstLineByAddress.set(normalisedEmail, line);
    return undefined;
  }

  get size(): number {
    return this.firstLineByAddress.size;
  }
}
