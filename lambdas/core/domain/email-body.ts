import { UNSUBSCRIBE_URL_PLACEHOLDER } from './list-unsubscribe.js';

/** How a send's stored subject and content become the email that goes out. */

export interface RenderedEmail {
  subject: string;
  html?: string;
  text: string;
}

const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;
const LOOKS_LIKE_HTML = /<\/?[a-z][a-z0-9-]*(\s[^<>]*)?\/?>/i;

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Fills `{{column}}` from the row's variables (matched case-insensitively); unknown names stay as written. */
export function fillPlaceholders(
  template: string,
  variables: Record<string, string>,
  escapeValue: (v: string) => string = (v) => v,
) {
  const byName = new Map(Object.entries(variables).map(([k, v]) => [k.toLowerCase(), v]));
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = byName.get(name.toLowerCase());
    return value === undefined ? whole : escapeValue(value);
  });
}

export function isHtml(content: string): boolean {
  return LOOKS_LIKE_HTML.test(content);
}

/** A readable plain-text version of HTML content, for mail clients that do not show HTML. */
export function textFromHtml(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h[1-6]|li|tr)>/gi, '\n')
    .replace(/<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, '$2 ($1)')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

export interface RenderOptions {
  /**
   * The mail's own unsubscribe link, which `{{unsubscribe_url}}` becomes (escaped like any value in HTML);
   * it wins over a column of that name. Without it the placeholder stays as written.
   */
  unsubscribeUrl?: string;
}

export function renderEmail(
  subject: string,
  content: string,
  rowVariables: Record<string, string>,
  options: RenderOptions = {},
): RenderedEmail {
  const variables = withUnsubscribeUrl(rowVariables, options.unsubscribeUrl);
  // A variable must not be able to break the subject onto a second header line.
  const renderedSubject = fillPlaceholders(subject, variables, (v) => v.replace(/[\r\n]+/g, ' '));
  if (isHtml(content)) {
    const html = fillPlaceholders(content, variables, escapeHtml);
    return { subject: renderedSubject, html, text: textFromHtml(html) };
  }
  return { subject: renderedSubject, text: fillPlaceholders(content, variables) };
}

/** The row's variables with the link under its placeholder's name, replacing a column of any case. */
function withUnsubscribeUrl(
  variables: Record<string, string>,
  url: string | undefined,
): Record<string, string> {
  if (url === undefined) return variables;
  const kept = Object.entries(variables).filter(
    ([name]) => name.toLowerCase() !== UNSUBSCRIBE_URL_PLACEHOLDER,
  );
  return { ...Object.fromEntries(kept), [UNSUBSCRIBE_URL_PLACEHOLDER]: url };
}
