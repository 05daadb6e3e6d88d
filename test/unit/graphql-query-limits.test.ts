import { buildSchema, Kind, type OperationDefinitionNode, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { depthLimitRule, MAX_COST, operationCost } from '../../lambdas/graphql/query-limits.js';
import { readSchemaSource } from '../../lambdas/graphql/schema-source.js';

const schema = buildSchema(readSchemaSource());

function costOf(text: string, variables: Record<string, unknown> = {}): number {
  const document = parse(text);
  const operation = document.definitions.find(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  if (!operation) throw new Error('no operation');
  const fragments = Object.fromEntries(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : [])),
  );
  return operationCost(operation, fragments, schema, variables);
}

describe('depthLimitRule', () => {
  const depthErrors = (text: string, max: number) =>
    validate(schema, parse(text), [depthLimitRule(max)]).map((e) => e.message);

  it('accepts a query as deep as the limit and refuses one level more', () => {
    const query = '{ batch(batchId: "b") { sends { items { content { subject } } } } }';
    expect(depthErrors(query, 5)).toEqual([]);
    expect(depthErrors(query, 4)).toEqual([
      'Query is 5 fields deep; at most 4 are allowed. Split it into several queries.',
    ]);
  });

  it('counts the fields of fragments where they are spread', () => {
    const query = `fragment Mail on EmailSend { content { subject } }
      { batch(batchId: "b") { sends { items { ...Mail } } } }`;
    expect(depthErrors(query, 4)).toHaveLength(1);
    const inline = '{ batch(batchId: "b") { sends { items { ... on EmailSend { content { html } } } } } }';
    expect(depthErrors(inline, 4)).toHaveLength(1);
  });

  it('does not count introspection fields, and survives a fragment that spreads itself', () => {
    expect(
      depthErrors('{ __schema { types { fields { type { ofType { ofType { name } } } } } } }', 2),
    ).toEqual([]);
    const cyclic = 'fragment A on Batch { batchId ...A } { batch(batchId: "b") { ...A } }';
    expect(() => depthErrors(cyclic, 6)).not.toThrow();
  });
});

describe('operationCost', () => {
  it('charges a page its size, and what it holds once per item', () => {
    expect(costOf('{ emailSends { sendId email } }')).toBe(100);
    expect(costOf('{ emailSends(limit: 7) { sendId } }')).toBe(7);
    expect(costOf('{ emailSendsPage(first: 1000) { items { sendId } nextCursor } }')).toBe(2000);
    expect(costOf('{ emailSendsPage(first: 1000) { items { content { subject } } } }')).toBe(3000);
  });

  it('reads page sizes from variables, and counts a missing or invalid one as the default', () => {
    const text = 'query($n: Int) { emailSendsPage(first: $n) { items { sendId } } }';
    expect(costOf(text, { n: 10 })).toBe(20);
    expect(costOf(text, {})).toBe(200);
    expect(costOf('{ emailSends(limit: 5000) { sendId } }')).toBe(1000);
  });

  it('charges batch counts as expensive, and multiplies nested pages', () => {
    expect(costOf('{ batch(batchId: "b") { counts { sent } finished } }')).toBe(1 + 50 + 50);
    expect(costOf('{ batches(first: 100) { items { counts { sent } } } }')).toBe(100 + 100 + 5000);
    expect(costOf('{ batches(first: 100) { items { sends { items { sendId } } } } }')).toBeGreaterThan(
      MAX_COST,
    );
  });

  it('costs the fields a fragment stands for', () => {
    expect(
      costOf('fragment S on EmailSendPage { items { sendId } } { emailSendsPage(first: 10) { ...S } }'),
    ).toBe(20);
  });
});
