/**
 * Queries built to make a GraphQL server work hard: small to send, large to expand or to parse. Each
 * but `nesting` is valid against graphql/schema.graphql apart from what it abuses, so that a refusal
 * names the limit it hits and nothing else.
 */

/**
 * n fragments, each spreading the next one twice: under 12 n tokens that stand for 2^n copies of the
 * last fragment (a page of one batch).
 */
export function fragmentFanOut(n: number): string {
  const fragments: string[] = [];
  for (let i = 0; i < n; i++) fragments.push(`fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`);
  fragments.push(`fragment F${n} on Query { batches(first: 1) { items { batchId } } }`);
  return `{ ...F0 }\n${fragments.join('\n')}`;
}

/**
 * A selection nested `levels` fields deep, three tokens a level. The schema has no cycle to nest
 * through, so the field is one it does not know.
 */
export function nesting(levels: number): string {
  return `${'{ a '.repeat(levels)}${'}'.repeat(levels)}`;
}

/** `count` aliases of a cheap field. */
export function aliases(count: number): string {
  const fields = Array.from({ length: count }, (_, i) => `a${i}: sendId`).join(' ');
  return `{ emailSend(sendId: "s") { ${fields} } }`;
}

/** `count` directives, one on each of `count` copies of a field (one per field is all graphql allows). */
export function directives(count: number): string {
  return `{ emailSend(sendId: "s") { ${'sendId @include(if: true) '.repeat(count)}} }`;
}

/** `query` after a comment that brings the text to `length` characters: comments are no tokens. */
export function commentPadded(query: string, length: number): string {
  const padding = Math.max(length - query.length - 2, 0);
  return `#${'x'.repeat(padding)}\n${query}`;
}

/** `query` after spaces that bring the text to `length` characters: whitespace is no token either. */
export function whitespacePadded(query: string, length: number): string {
  return `${' '.repeat(Math.max(length - query.length, 0))}${query}`;
}
