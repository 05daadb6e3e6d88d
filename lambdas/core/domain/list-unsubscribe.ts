import { UNSUBSCRIBE_PATH } from '../../contract/api-routes.js';
import type { UnsubscribeTokens } from './unsubscribe-token.js';

/**
 * The one-click unsubscribe every campaign mail carries (RFC 2369 List-Unsubscribe, RFC 8058
 * List-Unsubscribe-Post): a mail client that shows an "Unsubscribe" button POSTs `ONE_CLICK_BODY` to
 * the HTTPS link without asking the recipient anything more; the same link, opened in a browser, shows
 * a page whose button does that POST. Gmail and Yahoo require it of bulk senders since February 2024.
 */

/** A header of the mail, as SES v2 SendEmail takes it (Content.Simple.Headers). */
export interface MailHeader {
  name: string;
  value: string;
}

/** What RFC 8058 has a mail client POST, as the body of the request, and List-Unsubscribe-Post say. */
export const ONE_CLICK_FIELD = 'List-Unsubscribe';
export const ONE_CLICK_VALUE = 'One-Click';
export const ONE_CLICK_BODY = `${ONE_CLICK_FIELD}=${ONE_CLICK_VALUE}`;

/** `{{unsubscribe_url}}` in a subject or content becomes the mail's own unsubscribe link. */
export const UNSUBSCRIBE_URL_PLACEHOLDER = 'unsubscribe_url';

/** What one mail gets: the link for its body and the headers for its mail client. */
export interface UnsubscribeLink {
  url: string;
  headers: MailHeader[];
}

/** The link of a token under the API's public base URL (a trailing slash or none). */
export function unsubscribeUrlOf(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${UNSUBSCRIBE_PATH.replace('{token}', token)}`;
}

/**
 * The two headers: the HTTPS link first (the one RFC 8058's one-click uses), then, when a mailbox is
 * configured, a `mailto:` whose subject carries the token, for clients that only send mail.
 */
export function listUnsubscribeHeaders(url: string, token: string, mailbox?: string): MailHeader[] {
  const targets = [`<${url}>`];
  if (mailbox !== undefined) targets.push(`<mailto:${mailbox}?subject=unsubscribe-${token}>`);
  return [
    { name: 'List-Unsubscribe', value: targets.join(', ') },
    { name: 'List-Unsubscribe-Post', value: ONE_CLICK_BODY },
  ];
}

/** Makes each send's link and headers: the sender's part of one-click unsubscribe. */
export class UnsubscribeLinks {
  constructor(
    private readonly tokens: Pick<UnsubscribeTokens, 'tokenFor'>,
    /** The API's public base URL (UNSUBSCRIBE_BASE_URL). */
    private readonly baseUrl: string,
    /** UNSUBSCRIBE_MAILBOX, when set. */
    private readonly mailbox?: string,
  ) {}

  linkFor(sendId: string): UnsubscribeLink {
    const token = this.tokens.tokenFor(sendId);
    const url = unsubscribeUrlOf(this.baseUrl, token);
    return { url, headers: listUnsubscribeHeaders(url, token, this.mailbox) };
  }
}
