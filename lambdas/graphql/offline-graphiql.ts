import { type GraphiQLOptions, renderGraphiQL } from 'graphql-yoga';
import { DOCS_PATH } from '../contract/api-routes.js';
import { GRAPHIQL_FILES, GRAPHIQL_PACKAGE } from '../contract/docs-files.js';

/**
 * GraphiQL's page as graphql-yoga writes it, with every file it loads taken from our own /docs/
 * (the docs function serves them, see docs-files.ts) instead of unpkg.com: GraphiQL then works with
 * no internet (local mode, closed networks), and its 9 MB stay out of the graphql function's bundle.
 * The external favicon is replaced by an empty inline one, which also spares the browser a request
 * for /favicon.ico.
 */

/** A file of the package as yoga's page names it: `https://unpkg.com/@graphql-yoga/graphiql@4.5.1/dist/…`. */
const CDN_URL = new RegExp(`https://unpkg\\.com/${GRAPHIQL_PACKAGE}@[^/"'\\s]+/([^"'\\s>]+)`, 'g');
const FAVICON = /<link rel=["']?icon["']? href=[^>]*>/;
const INLINE_FAVICON = '<link rel=icon href="data:,">';

export class UnservedGraphiqlFileError extends Error {
  override readonly name = 'UnservedGraphiqlFileError';
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

/** The `renderGraphiQL` option of createYoga. */
export function renderOfflineGraphiQL(options: GraphiQLOptions): string {
  return (
    renderGraphiQL(options)
      .replace(FAVICON, INLINE_FAVICON)
      .replace(CDN_URL, (_url, path: string) => localUrlOf(path))
      // Yoga fills in only the first of its two title placeholders; the other shows while loading.
      .replaceAll('__TITLE__', () => escapeHtml(options.title ?? 'GraphiQL'))
  );
}
