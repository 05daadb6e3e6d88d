import {
  type ASTVisitor,
  buildSchema,
  type DocumentNode,
  GraphQLError,
  getIntrospectionQuery,
  getNamedType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isObjectType,
  Kind,
  Lexer,
  parse,
  type SelectionSetNode,
  Source,
  specifiedRules,
  TokenKind,
  type ValidationContext,
  type ValidationRule,
  validate,
  visit,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_QUERIES } from '../../lambdas/graphql/example-queries.js';
import { MAX_COST, queryCost } from '../../lambdas/graphql/query-cost.js';
import {
  aliasLimitRule,
  depthLimitRule,
  directiveLimitRule,
  MAX_ALIASES,
  MAX_DEPTH,
  MAX_DIRECTIVES,
  MAX_TOKENS,
  parseWithTokenLimit,
  QueryLimitError,
} from '../../lambdas/graphql/query-limits.js';
import { readSchemaSource } from '../../lambdas/graphql/schema-source.js';
import { aliases, directives, fragmentFanOut, nesting } from '../helpers/hostile-queries.js';

const schema = buildSchema(readSchemaSource());

const errorsOf = (text: string, rule: ValidationRule) => validate(schema, parse(text), [rule]);
const messagesOf = (text: string, rule: ValidationRule) => errorsOf(text, rule).map((e) => e.message);

/**
 * Validates with one of armor's rules and counts the calls of the method its visitor recurses through
 * (countDepth, countAliases, countDirectives): the work the rule did. A private method of armor's, so
 * this fails loudly rather than counting nothing if a new version renames it.
 */
function workOf(document: DocumentNode, rule: ValidationRule, method: string): number {
  let calls = 0;
  const counting = (context: ValidationContext): ASTVisitor => {
    const visitor = rule(context) as unknown as Record<string, unknown>;
    const original = visitor[method];
    if (typeof original !== 'function') throw new Error(`armor's visitor has no ${method} any more`);
    visitor[method] = (...args: unknown[]) => {
      calls += 1;
      return original.apply(visitor, args);
    };
    return visitor as ASTVisitor;
  };
  validate(schema, document, [counting]);
  return calls;
}

function nodesIn(document: DocumentNode): number {
  let nodes = 0;
  visit(document, {
    enter() {
      nodes += 1;
    },
  });
  return nodes;
}

function tokensIn(text: string): number {
  const lexer = new Lexer(new Source(text));
  let tokens = 0;
  while (lexer.advance().kind !== TokenKind.EOF) tokens += 1;
  return tokens;
}

/** A document nested `levels` fields deep, built without the parser (which overflows first). */
function nestedDocument(levels: number): DocumentNode {
  let selectionSet: SelectionSetNode | undefined;
  for (let i = 0; i < levels; i++) {
    selectionSet = {
      kind: Kind.SELECTION_SET,
      selections: [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: 'a' }, selectionSet }],
    };
  }
  if (!selectionSet) throw new Error('levels must be at least 1');
  return {
    kind: Kind.DOCUMENT,
    definitions: [{ kind: Kind.OPERATION_DEFINITION, operation: 'query', selectionSet }],
  } as DocumentNode;
}

describe('depthLimitRule', () => {
  it('accepts a query as deep as the limit and refuses one level more', () => {
    const query = '{ batch(batchId: "b") { sends { items { content { subject } } } } }';
    expect(messagesOf(query, depthLimitRule(5))).toEqual([]);
    expect(messagesOf(query, depthLimitRule(4))).toEqual([
      'Query is 5 fields deep; at most 4 are allowed. Split it into several queries.',
    ]);
    const [error] = errorsOf(query, depthLimitRule(4));
    expect(error).toBeInstanceOf(QueryLimitError);
    expect(error?.extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', limit: 4, actual: 5 });
  });

  it('counts the fields of fragments where they are spread', () => {
    const query = `fragment Mail on EmailSend { content { subject } }
      { batch(batchId: "b") { sends { items { ...Mail } } } }`;
    expect(messagesOf(query, depthLimitRule(4))).toEqual([
      'Query is 5 fields deep; at most 4 are allowed. Split it into several queries.',
    ]);
    const inline = '{ batch(batchId: "b") { sends { items { ... on EmailSend { content { html } } } } } }';
    expect(messagesOf(inline, depthLimitRule(4))).toHaveLength(1);
  });

  it('adds no depth for a fragment itself, spread or inline', () => {
    const deepest = `fragment Mail on EmailSend { content { subject } }
      { batches(first: 2) { items { sends(first: 3) { items { batchId ...Mail } } } } }`;
    expect(messagesOf(deepest, depthLimitRule(MAX_DEPTH))).toEqual([]);
    const nested = `fragment Page on EmailSendPage { ... on EmailSendPage { items { ...Mail } } }
      fragment Mail on EmailSend { ... on EmailSend { content { text } } }
      { batches { items { sends { ...Page } } } }`;
    expect(messagesOf(nested, depthLimitRule(MAX_DEPTH))).toEqual([]);
    expect(messagesOf(nested, depthLimitRule(5))).toHaveLength(1);
  });

  it('does not count the schema introspection, and survives a fragment that spreads itself', () => {
    expect(
      messagesOf(
        '{ __schema { types { fields { type { ofType { ofType { name } } } } } } }',
        depthLimitRule(2),
      ),
    ).toEqual([]);
    // Only __schema: __type counts like any field (it did not before armor; introspection is local only).
    const type = '{ __type(name: "Batch") { fields { type { ofType { ofType { name } } } } } }';
    expect(errorsOf(type, depthLimitRule(5))[0]?.extensions).toMatchObject({ actual: 6 });
    const cyclic = 'fragment A on Batch { batchId ...A } { batch(batchId: "b") { ...A } }';
    expect(() => messagesOf(cyclic, depthLimitRule(6))).not.toThrow();
  });

  it('measures a fan-out of 20 fragments, each spreading the next twice, in work linear in its size', () => {
    const document = parse(fragmentFanOut(20));
    expect(validate(schema, document, [depthLimitRule(MAX_DEPTH)])).toEqual([]);
    // Expanding the spreads would take 2^20 steps: armor measures each fragment once.
    expect(workOf(document, depthLimitRule(MAX_DEPTH), 'countDepth')).toBeLessThanOrEqual(nodesIn(document));
  });

  it('measures a 2,000-level nesting without overflowing (the token limit keeps the parser from it)', () => {
    const [error] = validate(schema, nestedDocument(2000), [depthLimitRule(MAX_DEPTH)]);
    expect(error?.extensions).toMatchObject({ code: 'QUERY_TOO_DEEP', limit: MAX_DEPTH, actual: 2000 });
  });
});

describe('aliasLimitRule', () => {
  it('accepts as many aliases as the limit and refuses one more, naming the limit', () => {
    expect(messagesOf(aliases(MAX_ALIASES), aliasLimitRule(MAX_ALIASES))).toEqual([]);
    const [error] = errorsOf(aliases(MAX_ALIASES + 1), aliasLimitRule(MAX_ALIASES));
    expect(error?.message).toBe(
      `Query uses ${MAX_ALIASES + 1} aliases; at most ${MAX_ALIASES} are allowed. Split it into several queries.`,
    );
    expect(error?.extensions).toMatchObject({
      code: 'QUERY_TOO_MANY_ALIASES',
      limit: MAX_ALIASES,
      actual: MAX_ALIASES + 1,
    });
  });

  it('counts the aliases of a fragment each time it is spread', () => {
    const query = `fragment Ids on EmailSend { a: sendId b: batchId c: email }
      { one: emailSend(sendId: "1") { ...Ids } two: emailSend(sendId: "2") { ...Ids } }`;
    expect(errorsOf(query, aliasLimitRule(8))).toEqual([]);
    expect(errorsOf(query, aliasLimitRule(7))[0]?.extensions).toMatchObject({ limit: 7, actual: 8 });
  });

  it('counts the aliases of a fan-out of 20 fragments in work linear in its size', () => {
    const document = parse(fragmentFanOut(20).replace('items { batchId }', 'items { id: batchId }'));
    const [error] = validate(schema, document, [aliasLimitRule(MAX_ALIASES)]);
    expect(error?.extensions).toMatchObject({ code: 'QUERY_TOO_MANY_ALIASES', actual: 2 ** 20 });
    expect(workOf(document, aliasLimitRule(MAX_ALIASES), 'countAliases')).toBeLessThanOrEqual(
      nodesIn(document),
    );
  });
});

describe('directiveLimitRule', () => {
  it('accepts as many directives as the limit and refuses one more, naming the limit', () => {
    expect(errorsOf(directives(MAX_DIRECTIVES), directiveLimitRule(MAX_DIRECTIVES))).toEqual([]);
    const [error] = errorsOf(directives(MAX_DIRECTIVES + 1), directiveLimitRule(MAX_DIRECTIVES));
    expect(error?.message).toBe(
      `Query uses ${MAX_DIRECTIVES + 1} directives; at most ${MAX_DIRECTIVES} are allowed. Split it into several queries.`,
    );
    expect(error?.extensions).toMatchObject({
      code: 'QUERY_TOO_MANY_DIRECTIVES',
      limit: MAX_DIRECTIVES,
      actual: MAX_DIRECTIVES + 1,
    });
  });

  it('counts the directives of a fan-out of 20 fragments in work linear in its size', () => {
    const document = parse(fragmentFanOut(20).replace('{ batchId }', '{ batchId @skip(if: false) }'));
    const [error] = validate(schema, document, [directiveLimitRule(MAX_DIRECTIVES)]);
    expect(error?.extensions).toMatchObject({ code: 'QUERY_TOO_MANY_DIRECTIVES', actual: 2 ** 20 });
    expect(workOf(document, directiveLimitRule(MAX_DIRECTIVES), 'countDirectives')).toBeLessThanOrEqual(
      nodesIn(document),
    );
  });
});

describe('parseWithTokenLimit', () => {
  const parseLimited = parseWithTokenLimit(parse, MAX_TOKENS);

  it('parses a document of as many tokens as the limit and refuses one more', () => {
    const query = aliases((MAX_TOKENS - 10) / 3);
    expect(tokensIn(query)).toBe(MAX_TOKENS);
    expect(parseLimited(query).kind).toBe(Kind.DOCUMENT);
    const over = query.replace('{ a0', '{ __typename a0');
    expect(tokensIn(over)).toBe(MAX_TOKENS + 1);
    expect(() => parseLimited(over)).toThrow(QueryLimitError);
  });

  it('refuses with the limit and a message naming it; the total is unknown, as parsing stopped', () => {
    let refusal: unknown;
    try {
      parseLimited(nesting(2000));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(QueryLimitError);
    expect((refusal as QueryLimitError).message).toBe(
      `Query has more than ${MAX_TOKENS} tokens (names, values and punctuation); at most ${MAX_TOKENS} are allowed. Split it into several queries.`,
    );
    expect((refusal as QueryLimitError).extensions).toEqual({
      code: 'QUERY_TOO_MANY_TOKENS',
      limit: MAX_TOKENS,
      http: { status: 400 },
    });
  });

  it('stops a nesting of 2,000 or 100,000 levels long before the parser could overflow its stack', () => {
    // Without the limit graphql's recursive parser overflows its stack at 1,500 to 2,000 levels.
    for (const levels of [2000, 100_000]) {
      expect(() => parseLimited(nesting(levels))).toThrow(QueryLimitError);
    }
  });

  it('leaves other syntax errors as graphql reports them', () => {
    expect(() => parseLimited('{ a')).toThrow(GraphQLError);
    expect(() => parseLimited('{ a')).not.toThrow(QueryLimitError);
  });
});

describe('the limits', () => {
  const allRules = [
    ...specifiedRules,
    depthLimitRule(MAX_DEPTH),
    aliasLimitRule(MAX_ALIASES),
    directiveLimitRule(MAX_DIRECTIVES),
  ];

  it('let every example query through with room to spare', () => {
    for (const { query } of EXAMPLE_QUERIES) {
      expect(tokensIn(query)).toBeLessThan(MAX_TOKENS / 10);
      const document = parseWithTokenLimit(parse, MAX_TOKENS)(query);
      expect(validate(schema, document, allRules)).toEqual([]);
      expect(queryCost(document, schema, {}).cost).toBeLessThan(MAX_COST / 10);
    }
  });

  it("let GraphiQL's introspection query through", () => {
    const query = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    });
    expect(tokensIn(query)).toBeLessThan(MAX_TOKENS / 4);
    expect(validate(schema, parseWithTokenLimit(parse, MAX_TOKENS)(query), allRules)).toEqual([]);
  });

  it('can hide every suggestion graphql makes for this schema', () => {
    // With introspection off, armor's block-field-suggestions removes `Did you mean "x"?` (fields,
    // arguments, types). graphql words two other suggestions differently, which armor leaves in:
    // "Did you mean to use an inline fragment on …" (interfaces and unions) and "Did you mean the enum
    // value …" (an enum or input object given as an argument). This schema has neither; a schema that
    // gains one needs those removed too.
    const types = Object.values(schema.getTypeMap()).filter((type) => !type.name.startsWith('__'));
    const enumArguments = types
      .filter(isObjectType)
      .flatMap((type) =>
        Object.values(type.getFields()).flatMap((field) =>
          field.args
            .filter((argument) => isEnumType(getNamedType(argument.type)))
            .map((argument) => `${type.name}.${field.name}(${argument.name})`),
        ),
      );
    expect({
      abstractTypes: types.filter(isAbstractType).map((type) => type.name),
      inputObjects: types.filter(isInputObjectType).map((type) => type.name),
      enumArguments,
    }).toEqual({ abstractTypes: [], inputObjects: [], enumArguments: [] });
  });
});
