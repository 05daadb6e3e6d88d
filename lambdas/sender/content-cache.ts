/**
 * Contents read by this container, most recently used kept. A campaign usually has one content for
 * thousands of sends, so this saves a read per send while staying small.
 */
export class ContentCache {
  private readonly entries = new Map<string, string>();

  constructor(
    private readonly load: (contentId: string) => Promise<string | undefined>,
    private readonly maxEntries = 64,
  ) {}

  async get(contentId: string): Promise<string | undefined> {
    const cached = this.entries.get(contentId);
    if (cached !== undefined) {
      this.entries.delete(contentId);
      this.entries.set(contentId, cached);
      return cached;
    }
    const content = await this.load(contentId);
    if (content === undefined) return undefined;
    this.entries.set(contentId, content);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return content;
  }
}
