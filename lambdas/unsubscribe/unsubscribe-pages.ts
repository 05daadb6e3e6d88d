import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ONE_CLICK_FIELD, ONE_CLICK_VALUE } from '../core/domain/list-unsubscribe.js';

/**
 * What the unsubscribe routes answer: small pages for a person in a browser, plain text for a mail
 * client's one-click POST (which shows the recipient nothing of it). No script, no style sheet or font
 * from elsewhere, nothing of the recipient's address: the page works in any browser, offline proxies
 * included, and a forwarded link shows nobody anything.
 */

type Answer = APIGatewayProxyStructuredResultV2;

/** A link's page is for its recipient only: never cached, never indexed, no Referer carrying the token. */
const PRIVATE = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
};

const HTML_HEADERS = {
  ...PRIVATE,
  'content-type': 'text/html; charset=utf-8',
  // The pages need their inline style and their form posting back to themselves, nothing else.
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};

const TEXT_HEADERS = { ...PRIVATE, 'content-type': 'text/plain; charset=utf-8' };

const STYLE = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:2rem 1rem;color:#1f2328;background:#f6f8fa}
main{max-width:32rem;margin:0 auto;padding:2rem;background:#fff;border:1px solid #d0d7de;border-radius:8px}
h1{font-size:1.5rem;margin-top:0}
button{font:inherit;font-size:1.1rem;padding:.6rem 1.4rem;border:0;border-radius:6px;background:#0969da;color:#fff;cursor:pointer}
button:hover{background:#0550ae}
button:focus-visible{outline:3px solid #1f2328;outline-offset:2px}`;

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** The heading and button a person (and the browser test) looks for. */
export const CONFIRM_HEADING = 'Unsubscribe from these mails?';
export const CONFIRM_BUTTON = 'Unsubscribe';
export const DONE_HEADING = 'You are unsubscribed';
const DONE_TEXT = 'You will get no more campaign mails at this address.';

/**
 * GET: the question and a button that POSTs the one-click form back to this very URL. Opening the link
 * changes nothing, so that a mail scanner following every link unsubscribes nobody.
 */
export function confirmPage(): Answer {
  return {
    statusCode: 200,
    headers: HTML_HEADERS,
    body: page(
      CONFIRM_HEADING,
      `<h1>${CONFIRM_HEADING}</h1>
<p>You will get no more campaign mails at the address this mail was sent to.</p>
<form method="post">
<input type="hidden" name="${ONE_CLICK_FIELD}" value="${ONE_CLICK_VALUE}">
<button type="submit">${CONFIRM_BUTTON}</button>
</form>`,
    ),
  };
}

/** POST: done, as a page to a browser (its form post) and as a line of text to a mail client. */
export function unsubscribedAnswer(event: Pick<APIGatewayProxyEventV2, 'headers'>): Answer {
  if (!wantsHtml(event.headers?.accept)) {
    return { statusCode: 200, headers: TEXT_HEADERS, body: `${DONE_HEADING}. ${DONE_TEXT}\n` };
  }
  return {
    statusCode: 200,
    headers: HTML_HEADERS,
    body: page(DONE_HEADING, `<h1 role="status">${DONE_HEADING}</h1>\n<p>${DONE_TEXT}</p>`),
  };
}

/**
 * Every refusal of a link, whatever its cause (not a token, altered, of another key, its send unknown
 * or expired): one status and one body, so that an answer tells nothing about a token but that it does
 * not work.
 */
export function linkNotFound(): Answer {
  return { statusCode: 404, headers: TEXT_HEADERS, body: 'Not found\n' };
}

/** A browser's form post asks for HTML; a mail client's one-click asks for nothing in particular. */
function wantsHtml(accept: string | undefined): boolean {
  return (accept ?? '').toLowerCase().includes('text/html');
}
