import { describe, expect, it } from 'vitest';
import { type CampaignEntry, readCampaign } from '../../lambdas/core/domain/campaign-reader.js';
import { renderEmail } from '../../lambdas/core/domain/email-body.js';
import {
  listUnsubscribeHeaders,
  ONE_CLICK_BODY,
  UnsubscribeLinks,
  unsubscribeUrlOf,
} from '../../lambdas/core/domain/list-unsubscribe.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import { UnsubscribeTokens } from '../../lambdas/core/domain/unsubscribe-token.js';

const tokens = new UnsubscribeTokens('a-secret-of-the-project-at-least-32-chars');
const SEND = sendIdFor('batch-1', 'ana@example.com');
const TOKEN = tokens.tokenFor(SEND);
const URL_OF_SEND = `https://mail.example.com/unsubscribe/${TOKEN}`;

describe('the List-Unsubscribe headers of a mail', () => {
  it('name the HTTPS link and ask for one-click (RFC 8058)', () => {
    expect(listUnsubscribeHeaders(URL_OF_SEND, TOKEN)).toEqual([
      { name: 'List-Unsubscribe', value: `<${URL_OF_SEND}>` },
      { name: 'List-Unsubscribe-Post', value: 'List-Unsubscribe=One-Click' },
    ]);
    expect(ONE_CLICK_BODY).toBe('List-Unsubscribe=One-Click');
  });

  it('name a mailbox after the link when one is configured, the token in its subject (RFC 2369)', () => {
    expect(listUnsubscribeHeaders(URL_OF_SEND, TOKEN, 'unsubscribe@example.com')[0]).toEqual({
      name: 'List-Unsubscribe',
      value: `<${URL_OF_SEND}>, <mailto:unsubscribe@example.com?subject=unsubscribe-${TOKEN}>`,
    });
  });

  it('point at the unsubscribe route under the public base URL, with or without its trailing slash or a path', () => {
    expect(unsubscribeUrlOf('https://mail.example.com', TOKEN)).toBe(URL_OF_SEND);
    expect(unsubscribeUrlOf('https://mail.example.com/', TOKEN)).toBe(URL_OF_SEND);
    expect(unsubscribeUrlOf('https://example.com/mailer/', TOKEN)).toBe(
      `https://example.com/mailer/unsubscribe/${TOKEN}`,
    );
  });

  it("are made per send, with the send's own signed token", () => {
    const links = new UnsubscribeLinks(tokens, 'https://mail.example.com/', 'unsubscribe@example.com');
    const link = links.linkFor(SEND);
    expect(link.url).toBe(URL_OF_SEND);
    expect(tokens.sendIdOf(link.url.split('/').at(-1) ?? '')).toBe(SEND);
    expect(link.headers).toEqual(listUnsubscribeHeaders(URL_OF_SEND, TOKEN, 'unsubscribe@example.com'));
  });
});

describe('the {{unsubscribe_url}} placeholder', () => {
  const unsubscribeUrl = 'https://mail.example.com/unsubscribe/abc?x=1&y=2';

  it("becomes the mail's link in a plain-text body and in the subject", () => {
    const mail = renderEmail(
      'Hi {{name}}, leave? {{unsubscribe_url}}',
      'Bye: {{ Unsubscribe_URL }}',
      {
        name: 'Ana',
      },
      { unsubscribeUrl },
    );
    expect(mail.subject).toBe(`Hi Ana, leave? ${unsubscribeUrl}`);
    expect(mail.text).toBe(`Bye: ${unsubscribeUrl}`);
  });

  it('is HTML-escaped in an HTML body, like any value, and readable in its text version', () => {
    const mail = renderEmail(
      'Hi',
      '<p><a href="{{unsubscribe_url}}">Unsubscribe</a></p>',
      {},
      { unsubscribeUrl },
    );
    expect(mail.html).toBe(
      '<p><a href="https://mail.example.com/unsubscribe/abc?x=1&amp;y=2">Unsubscribe</a></p>',
    );
    expect(mail.text).toBe(`Unsubscribe (${unsubscribeUrl})`);
  });

  it('is the link even when the file has a column of that name: a row cannot point it elsewhere', () => {
    const mail = renderEmail(
      'Hi',
      '{{unsubscribe_url}}',
      { UNSUBSCRIBE_URL: 'https://evil.example' },
      {
        unsubscribeUrl,
      },
    );
    expect(mail.text).toBe(unsubscribeUrl);
  });

  it('is accepted by the upload though no column names it', async () => {
    const entries: CampaignEntry[] = [];
    const csv =
      'email,subject,content\nana@example.com,Hi,"<a href=""{{unsubscribe_url}}"">Unsubscribe</a>"\n';
    for await (const entry of readCampaign([Buffer.from(csv)])) entries.push(entry);
    expect(entries.filter((entry) => entry.kind !== 'format')).toEqual([
      {
        kind: 'accepted',
        line: 2,
        row: {
          email: 'ana@example.com',
          subject: 'Hi',
          content: '<a href="{{unsubscribe_url}}">Unsubscribe</a>',
          variables: {},
        },
      },
    ]);
  });
});
