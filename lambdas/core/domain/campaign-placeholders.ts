import type { CampaignColumns } from './campaign-header.js';
import { UNSUBSCRIBE_URL_PLACEHOLDER } from './list-unsubscribe.js';

/** The same syntax as fillPlaceholders in email-body.ts (a unit test holds the two together). */
const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;

/**
 * Finds the first `{{name}}` in a row's subject or content that no personalisation column of the
 * header fills (names compared case-insensitively, as the sender fills them). Required columns are no
 * variables: `{{email}}` would reach the recipient as written, so it is reported too. The sender fills
 * `{{unsubscribe_url}}` itself (list-unsubscribe.ts), whatever the columns.
 */
export class PlaceholderCheck {
  private readonly names: Set<string>;
  /** Most campaigns use one template for every row: the last texts checked are remembered. */
  private lastSubject: string | undefined;
  private lastContent: string | undefined;

  constructor(readonly columns: CampaignColumns) {
    this.names = new Set([
      ...columns.variables.map((v) => v.name.toLowerCase()),
      UNSUBSCRIBE_URL_PLACEHOLDER,
    ]);
  }

  unknownIn(subject: string, content: string): string | undefined {
    if (subject !== this.lastSubject) {
      const unknown = this.firstUnknown(subject);
      if (unknown !== undefined) return unknown;
      this.lastSubject = subject;
    }
    if (content !== this.lastContent) {
      const unknown = this.firstUnknown(content);
      if (unknown !== undefined) return unknown;
      this.lastContent = content;
    }
    return undefined;
  }

  /** The column names a placeholder may use, for the message that refuses one. */
  get known(): string[] {
    return this.columns.variables.map((v) => v.name);
  }

  private firstUnknown(text: string): string | undefined {
    if (!text.includes('{{')) return undefined;
    for (const match of text.matchAll(PLACEHOLDER)) {
      const name = match[1] as string;
      if (!this.names.has(name.toLowerCase())) return name;
    }
    return undefined;
  }
}
