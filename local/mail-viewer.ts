import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * aws-ses-v2-local's mail viewer lists each mail's subject, addresses and body, but not the headers a
 * sender set (SES v2 Content.Simple.Headers), though its store keeps them: so List-Unsubscribe, which
 * every campaign mail carries, could not be seen. The viewer's page is patched to list them after the
 * addresses, each http(s) link in them clickable (the unsubscribe link opens its page), and served at
 * `/` in place of the package's own; everything else is the emulator's, untouched.
 */

/** Where the patch goes: the viewer's line of attachments, which follows its addresses. */
const ANCHOR = '${e.attachments.length ?';

/**
 * One line per header, escaped with the page's own escape(); then each `<http…>` of an escaped value
 * made a link (the characters allowed need no escaping in an attribute: no quote, no ampersand).
 */
const HEADER_LINES =
  // biome-ignore lint/suspicious/noTemplateCurlyInString: text for a template literal of the viewer's page, which evaluates it
  '${(e.headers || []).map(h => `<p class="email-header" style="overflow-wrap: anywhere"><b>${escape(h.name)}:</b> ${escape(h.value).replace(/&lt;(https?:\\/\\/[A-Za-z0-9._~:\\/?#@!$+,;=%-]+)&gt;/g, \'&lt;<a href="$1" rel="noreferrer">$1</a>&gt;\')}</p>`).join(\'\')}\n                    ';

/** The viewer's page with the headers listed, or undefined when the package's page has changed shape. */
export function viewerPageWithHeaders(original: string): string | undefined {
  const at = original.indexOf(ANCHOR);
  if (at < 0 || original.indexOf(ANCHOR, at + 1) >= 0) return undefined;
  return `${original.slice(0, at)}${HEADER_LINES}${original.slice(at)}`;
}

function packagedViewerPage(): string {
  const require = createRequire(import.meta.url);
  return readFileSync(
    join(dirname(require.resolve('aws-ses-v2-local/package.json')), 'static/index.html'),
    'utf8',
  );
}

/**
 * Serves the patched page at `/` of the emulator's server, before its own handler sees the request.
 * Returns false, leaving the viewer as the package made it, if the page could not be patched (a new
 * version of the package): the mails are still listed, their headers only in `/store`.
 */
export function showHeadersInViewer(server: Server): boolean {
  const page = viewerPageWithHeaders(packagedViewerPage());
  if (page === undefined) return false;
  const emulator = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method === 'GET' && path === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(page);
      return;
    }
    for (const listener of emulator) listener.call(server, request, response);
  });
  return true;
}
