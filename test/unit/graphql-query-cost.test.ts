import { buildSchema, type DocumentNode, Kind, parse, visit } from 'graphql';
import { describe, expect, it } from 'vitest';
import { MAX_COST, queryCost } from '../../lambdas/graphql/query-cost.js';
import { readSchemaSource } from '../../lambdas/graphql/schema-source.js';
import { fragmentFanOut } from '../helpers/hostile-queries.js';

const schema = buildSchema(readSchemaSource());

const costOf = (text: string, variables: Record<string, unknown> = {}, operationName?: string) =>
  queryCost(parse(text), schema, variables, operationName).cost;

/** Fields, fragment spreads and inline fragments: what the estimate may look at. */
function selectionsIn(document: DocumentNode): number {
  let selections = 0;
  visit(document, {
    enter(node) {
      if (
        node.kind === Kind.FIELD ||
        node.kind === Kind.FRAGMENT_SPREAD ||
        node.kind === Kind.INLINE_FRAGMENT
      ) {
        selections += 1;
      }
    },
  });
  return selections;
}

describe('queryCost', () => {
  it('charges a page its size, and what it holds once per item', () => {
    expect(costOf('{ emailSends { sendId email } }')).toBe(100);
    expect(costOf('{ emailSends(limit: 7) { sendId } }')).toBe(7);
    expect(costOf('{ emailSendsPage(first: 1000) { items { sendId } nextCursor } }')).toBe(2000);
    expect(costOf('{ emailSendsPage(first: 1000) { items { content { subject } } } }')).toBe(3000);
  });

  it('charges a page of the suppression list as any page, and one entry as one object', () => {
    expect(costOf('{ suppressions(first: 1000) { items { email reason } nextCursor } }')).toBe(2000);
    expect(costOf('{ suppressions { items { email } } }')).toBe(200);
    expect(costOf('{ suppression(email: "ana@example.com") { email reason addedAt } }')).toBe(1);
  });

  it('reads page sizes from variables, and counts a missing or invalid one as the default', () => {
    const text = 'query($n: Int) { emailSendsPage(first: $n) { items { sendId } } }';
    expect(costOf(text, { n: 10 })).toBe(20);
    expect(costOf(text, {})).toBe(200);
    expect(costOf(text, { n: 'ten' })).toBe(200);
    expect(costOf('{ emailSends(limit: 5000) { sendId } }')).toBe(1000);
    expect(costOf('{ emailSends(limit: -3) { sendId } }')).toBe(1);
  });

  it('charges batch counts as expensive, and multiplies nested pages', () => {
    expect(costOf('{ batch(batchId: "b") { counts { sent } finished } }')).toBe(1 + 50 + 50);
    expect(costOf('{ batch(batchId: "b") { finishedAt startedAt } }')).toBe(1 + 50 + 1);
    expect(costOf('{ batches(first: 100) { items { counts { sent } } } }')).toBe(100 + 100 + 5000);
    expect(costOf('{ batches(first: 100) { items { sends { items { sendId } } } } }')).toBeGreaterThan(
      MAX_COST,
    );
    expect(costOf('{ batches(first: 10) { items { sends(first: 10) { items { sendId } } } } }')).toBe(
      10 + 10 * (1 + 10 + 10 * 1),
    );
  });

  it('costs the fields a fragment stands for, where it is spread, as often as it is spread', () => {
    expect(
      costOf('fragment S on EmailSendPage { items { sendId } } { emailSendsPage(first: 10) { ...S } }'),
    ).toBe(20);
    const twice = `fragment C on Batch { counts { sent } }
      { batches(first: 3) { items { ...C ...C } } one: batch(batchId: "b") { ...C } }`;
    expect(costOf(twice)).toBe(3 + 3 * (1 + 2 * 50) + (1 + 50));
    expect(
      costOf('{ emailSendsPage(first: 10) { ... on EmailSendPage { items { content { text } } } } }'),
    ).toBe(10 + 10 * (1 + 1));
  });

  it('ignores introspection fields, and fields and fragments the schema does not know', () => {
    expect(costOf('{ __schema { types { name } } emailSends(limit: 2) { __typename sendId } }')).toBe(2);
    expect(costOf('{ nothing { here } emailSends(limit: 2) { ...Missing } }')).toBe(2);
    expect(costOf('fragment U on Unknown { a } { emailSends(limit: 2) { ...U } }')).toBe(2);
  });

  it('costs the named operation, or the costliest when none is named', () => {
    const text = `query Small { emailSends(limit: 5) { sendId } }
      query Large { emailSends(limit: 500) { sendId } }`;
    expect(costOf(text, {}, 'Small')).toBe(5);
    expect(costOf(text, {}, 'Large')).toBe(500);
    expect(costOf(text)).toBe(500);
    expect(costOf(text, {}, 'Other')).toBe(0);
  });

  it('stops at a fragment that spreads itself, directly or through another', () => {
    const direct = 'fragment A on Batch { counts { sent } ...A } { batch(batchId: "b") { ...A } }';
    expect(costOf(direct)).toBe(1 + 50);
    const mutual = `fragment A on Batch { counts { sent } ...B } fragment B on Batch { finished ...A }
      { batch(batchId: "b") { ...A } }`;
    expect(costOf(mutual)).toBe(1 + 50 + 50);
  });

  it('costs a fan-out of 20 fragments, each spreading the next twice, in work linear in its size', () => {
    const document = parse(fragmentFanOut(20));
    const { cost, visited } = queryCost(document, schema, {});
    // The query stands for 2^20 copies of the last fragment (a page of one batch: 1 + 1 × 1).
    expect(cost).toBe(2 ** 20 * 2);
    // Expanding the spreads would look at millions of selections; each is looked at once at most.
    expect(visited).toBeLessThanOrEqual(selectionsIn(document));
    expect(visited).toBeLessThan(100);
  });

  it('looks at each selection once for any depth of fan-out', () => {
    for (const n of [1, 10, 100]) {
      const document = parse(fragmentFanOut(n));
      expect(queryCost(document, schema, {}).visited).toBe(selectionsIn(document));
    }
  });
});
