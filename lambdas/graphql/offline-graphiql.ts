import { type GraphiQLOptions, renderGraphiQL } from 'graphql-yoga';
import { DOCS_PATH } from '../contract/api-routes.js';
import { GRAPHIQL_FILES, GRAPHIQL_PACKAGE } from '../contract/docs-files.js';
import { API_KEY_HEADER } from '../core/http/api-key-check.js';

/**
 * GraphiQL's page as graphql-yoga writes it, with every file it loads taken from our own /docs/
 * (the docs function serves them, see docs-files.ts) instead of unpkg.com: GraphiQL then works with
 * no internet (local mode, closed networks), and its 9 MB stay out of the graphql function's bundle.
 * The external favicon is replaced by an empty inline one, which also spares the browser a request
 * for /favicon.ico.
 *
 * GraphiQL asks for the schema as soon as it opens. Without a key that request can only fail, and
 * GraphiQL would greet the analyst with the refusal as a red error block; the page's fetcher therefore
 * sends nothing without a key and shows NO_KEY_HINT instead (key-aware-fetcher below).
 */

/** What GraphiQL's page takes beyond yoga's options (GraphiQL's own props, passed through by yoga). */
export interface GraphiqlPageOptions extends GraphiQLOptions {
  /** The query the editor opens with; yoga's welcome text otherwise. */
  query?: string;
  /** The headers editor's content, over what the browser stored. */
  initialHeaders?: string;
  /** `null`: never ask for the schema (introspection is off, asking could only fail). */
  schema?: null;
}

/** A file of the package as yoga's page names it: `https://unpkg.com/@graphql-yoga/graphiql@4.5.1/dist/…`. */
const CDN_URL = new RegExp(`https://unpkg\\.com/${GRAPHIQL_PACKAGE}@[^/"'\\s]+/([^"'\\s>]+)`, 'g');
const FAVICON = /<link rel=["']?icon["']? href=[^>]*>/;
const INLINE_FAVICON = '<link rel=icon href="data:,">';

export class UnservedGraphiqlFileError extends Error {
  override readonly name = 'UnservedGraphiqlFileError';
}

/** Yoga's page no longer has a part this module rewrites: a graphql-yoga upgrade to look at. */
export class UnexpectedGraphiqlPageError extends Error {
  override readonly name = 'UnexpectedGraphiqlPageError';
}

function localUrlOf(path: string): string {
  const file = GRAPHIQL_FILES.find((f) => f.path === path);
  // A graphql-yoga upgrade that loads another file must fail here, not quietly fetch it from unpkg.
  if (file === undefined) {
    throw new UnservedGraphiqlFileError(
      `GraphiQL's page loads ${GRAPHIQL_PACKAGE}/${path}, which ${DOCS_PATH}/ does not serve: add it to GRAPHIQL_FILES`,
    );
  }
  return `${DOCS_PATH}/${file.name}`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };
const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => HTML_ESCAPES[c] ?? c);

/** JSON that can stand inside a <script> element: no `</script>` or `<!--` can end it early. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/** What the response pane says, instead of an error, while the headers editor holds no key. */
export const NO_KEY_HINT = [
  'No API key yet. Paste a key with the read scope',
  'into "Headers" (below the query) as',
  '',
  `    { "${API_KEY_HEADER}": "cmk_…" }`,
  '',
  'then run a query with ▶ (Ctrl-Enter). To load the',
  'schema for autocompletion and the docs, press',
  '"Re-fetch GraphQL schema" (⟳, in the bar on the left).',
].join('\n');

/**
 * Wraps yoga's render call so that GraphiQL runs with this fetcher instead of yoga's: a plain JSON POST
 * to the endpoint with the headers of the editor, whose answer is shown as the API gives it (a
 * refused key is then `{"error": "…"}`, not a RESPONSE_VALIDATION_FAILED block). The schema request
 * GraphiQL makes by itself (as it opens, and for "Re-fetch GraphQL schema") is not sent while the
 * editor has no key: its answer is the hint, which GraphiQL shows as it is. A query the analyst runs is
 * always sent, and answered by the API. The page has no subscriptions: yoga's SSE transport is not missed.
 */
const KEY_AWARE_FETCHER = `(() => {
  const hint = ${scriptJson(NO_KEY_HINT)};
  const keyHeader = ${scriptJson(API_KEY_HEADER)};
  const render = YogaGraphiQL.renderYogaGraphiQL;
  YogaGraphiQL.renderYogaGraphiQL = (element, options) => {
    const endpoint = new URL(options.endpoint || location.pathname, location.href).toString();
    const fetcher = async (params, opts) => {
      const headers = (opts && opts.headers) || {};
      const name = Object.keys(headers).find((header) => header.toLowerCase() === keyHeader);
      const keyless = name === undefined || String(headers[name]).trim() === '';
      if (keyless && params.operationName === 'IntrospectionQuery') return hint;
      const response = await fetch(endpoint, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
        body: JSON.stringify(params),
      });
      const text = await response.text();
      try {
        return JSON.parse(text);
      } catch {
        return response.status + ' ' + response.statusText + '\\n' + text;
      }
    };
    return render(element, { ...options, fetcher });
  };
})();`;

/** What yoga's page is rendered with here, so that its render call can be found and rewritten. */
const PLACEHOLDER = { title: '__TITLE__' };
const RENDER_CALL = `YogaGraphiQL.renderYogaGraphiQL(root,${JSON.stringify(PLACEHOLDER)})`;
const START_SCRIPT = '<script>prepareWorkers()';

function rewrite(html: string, part: string, replacement: () => string): string {
  if (!html.includes(part)) {
    throw new UnexpectedGraphiqlPageError(`GraphiQL's page from graphql-yoga has no ${part} any more`);
  }
  return html.replace(part, replacement);
}

/** The `renderGraphiQL` option of createYoga. */
export function renderOfflineGraphiQL(options: GraphiqlPageOptions): string {
  // Yoga pastes its options into the page with String.replace, where `$'` and the like in a value
  // would paste parts of the page; the options go in here instead, as JSON safe inside a script.
  let html = renderGraphiQL(PLACEHOLDER);
  html = rewrite(html, RENDER_CALL, () => `YogaGraphiQL.renderYogaGraphiQL(root,${scriptJson(options)})`);
  html = rewrite(html, START_SCRIPT, () => `<script>${KEY_AWARE_FETCHER}</script>${START_SCRIPT}`);
  return (
    html
      .replace(FAVICON, INLINE_FAVICON)
      .replace(CDN_URL, (_url, path: string) => localUrlOf(path))
      // The title goes in both of yoga's placeholders: the page's title, and the text shown while loading.
      .replaceAll('__TITLE__', () => escapeHtml(options.title ?? 'GraphiQL'))
  );
}
