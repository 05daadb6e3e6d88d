import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import {
  type DocumentNode,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  type ParseOptions,
  type Source,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { MAX_COST, queryCost } from './query-cost.js';

/**
 * Limits on what one request may ask for, so that a careless or hostile query cannot run up the bill or
 * hold the function for long. Who does what:
 * - tokens: graphql's own parser option `maxLexicalTokens`, which stops its recursive parser after
 *   MAX_TOKENS tokens, so a huge or deeply nested document is refused before it can overflow the stack
 *   (graphql 16's parser does at 1,500 to 2,000 levels). Not graphql-armor-max-tokens: its ES build
 *   imports 'graphql/language/parser', which esbuild resolves to graphql's CommonJS copy beside the ES
 *   one the rest of the bundle uses; Yoga then fails to recognise that copy's syntax errors and answers
 *   every malformed query on Lambda with a 500;
 * - depth, aliases, directives: graphql-armor-max-depth, -max-aliases and -max-directives, validation
 *   rules that count each fragment once and reuse its count where it is spread;
 * - cost: ours (query-cost.ts), when the variables are known, as no library knows that `first` and
 *   `limit` multiply what is below them;
 * - introspection off: graphql's NoSchemaIntrospectionCustomRule, and graphql-armor-block-field-
 *   suggestions removes "Did you mean …" from error messages, which would name the schema's fields.
 * Every refusal is a GraphQLError with a `code` (and `limit`, and `actual` when it is known), handled by
 * Yoga like a validation error: 400 when the client accepts application/graphql-response+json, 200 for
 * a plain application/json client, as the GraphQL-over-HTTP spec asks.
 */

/** The deepest query the schema needs is 6: batches → items → sends → items → content → text. */
export const MAX_DEPTH = 6;
/** The example queries use none; a few (`running: batch(…) done: batch(…)`) are common. */
export const MAX_ALIASES = 15;
/** Only @include and @skip exist; nobody needs one per field of a large query. */
export const MAX_DIRECTIVES = 50;
/**
 * Names, values and punctuation: the largest example query has 38, GraphiQL's introspection query
 * about 190. 1,000 tokens also bound nesting to about 330 levels, far below a parser stack overflow.
 */
export const MAX_TOKENS = 1000;

export type QueryLimitCode =
  | 'QUERY_TOO_DEEP'
  | 'QUERY_TOO_COSTLY'
  | 'QUERY_TOO_MANY_ALIASES'
  | 'QUERY_TOO_MANY_DIRECTIVES'
  | 'QUERY_TOO_MANY_TOKENS';

export class QueryLimitError extends GraphQLError {
  constructor(message: string, code: QueryLimitCode, limit: number, actual?: number) {
    super(message, {
      extensions: {
        code,
        limit,
        ...(actual === undefined ? {} : { actual }),
        // As Yoga marks validation errors (and drops `http` from the answer): a refusal is a 400 for
        // clients that accept application/graphql-response+json, even when found during execution.
        http: { spec: true, status: 400 },
      },
    });
    this.name = 'QueryLimitError';
  }
}

/** "7", or "more than 6" when the library stopped counting (tokens) or did not say. */
const amount = (actual: number | undefined, limit: number) =>
  actual === undefined ? `more than ${limit}` : `${actual}`;

/**
 * graphql-armor reports "Syntax Error: <limit> of N exceeded, found M." (with exposeLimits): M is the
 * count, as the rules offer it nowhere else. A test pins the wording, so an upgrade that changes it fails
 * there rather than losing `actual` quietly.
 */
function actualIn(error: GraphQLError): number | undefined {
  const found = /found (\d+)\.$/.exec(error.message)?.[1];
  return found === undefined ? undefined : Number(found);
}

/**
 * Turns armor's refusal into ours, reported like any validation error (armor would throw it out of
 * `validate`, unless told `propagateOnRejection: false`).
 */
function refuseWith(
  code: QueryLimitCode,
  limit: number,
  message: (amount: string) => string,
): GraphQLArmorRejectCallback[] {
  return [
    (context: ValidationContext | null, error: GraphQLError) => {
      const actual = actualIn(error);
      const refusal = new QueryLimitError(message(amount(actual, limit)), code, limit, actual);
      // Armor's validation rules always pass their context; without one, refusing is still the answer.
      if (!context) throw refusal;
      context.reportError(refusal);
    },
  ];
}

const SPLIT = 'Split it into several queries.';

/**
 * Refuses an operation nested deeper than `maxDepth` fields; fragments add no depth of their own.
 * Armor leaves out `__schema` (GraphiQL's introspection query nests far deeper than 6 in it) but
 * counts `__type` like any field.
 */
export function depthLimitRule(maxDepth: number) {
  return maxDepthRule({
    n: maxDepth,
    flattenFragments: true,
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: refuseWith(
      'QUERY_TOO_DEEP',
      maxDepth,
      (depth) => `Query is ${depth} fields deep; at most ${maxDepth} are allowed. ${SPLIT}`,
    ),
  });
}

/** Refuses an operation with more than `maxAliases` aliased fields (fragments counted where spread). */
export function aliasLimitRule(maxAliases: number) {
  return maxAliasesRule({
    n: maxAliases,
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: refuseWith(
      'QUERY_TOO_MANY_ALIASES',
      maxAliases,
      (aliases) => `Query uses ${aliases} aliases; at most ${maxAliases} are allowed. ${SPLIT}`,
    ),
  });
}

/** Refuses an operation with more than `maxDirectives` directives (fragments counted where spread). */
export function directiveLimitRule(maxDirectives: number) {
  return maxDirectivesRule({
    n: maxDirectives,
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: refuseWith(
      'QUERY_TOO_MANY_DIRECTIVES',
      maxDirectives,
      (directives) => `Query uses ${directives} directives; at most ${maxDirectives} are allowed. ${SPLIT}`,
    ),
  });
}

type ParseFunction = (source: string | Source, options?: ParseOptions) => DocumentNode;

/** graphql's refusal once `maxLexicalTokens` is reached (16.15 spells it "more that"; later may not). */
const TOKEN_LIMIT_REACHED = /^Syntax Error: Document contains more th\w+ \d+ tokens\b/;

/**
 * A parse function that stops after `maxTokens` tokens with our refusal. The parser cannot say how many
 * tokens the whole document has: it stops counting there, so the refusal has no `actual`.
 */
export function parseWithTokenLimit(parse: ParseFunction, maxTokens: number): ParseFunction {
  return (source, options) => {
    try {
      return parse(source, { ...options, maxLexicalTokens: maxTokens });
    } catch (error) {
      if (!(error instanceof GraphQLError && TOKEN_LIMIT_REACHED.test(error.message))) throw error;
      throw new QueryLimitError(
        `Query has more than ${maxTokens} tokens (names, values and punctuation); at most ${maxTokens} are allowed. ${SPLIT}`,
        'QUERY_TOO_MANY_TOKENS',
        maxTokens,
      );
    }
  };
}

export interface QueryLimitOptions {
  maxDepth?: number;
  maxCost?: number;
  maxAliases?: number;
  maxDirectives?: number;
  maxTokens?: number;
  /** Off in production: introspection queries are refused and error messages carry no suggestions. */
  introspection: boolean;
}

/** The limits as one Yoga plugin (armor's suggestion plugin is added from it). */
export function queryLimitsPlugin(options: QueryLimitOptions): Plugin {
  const maxDepth = options.maxDepth ?? MAX_DEPTH;
  const maxCost = options.maxCost ?? MAX_COST;
  const maxAliases = options.maxAliases ?? MAX_ALIASES;
  const maxDirectives = options.maxDirectives ?? MAX_DIRECTIVES;
  const maxTokens = options.maxTokens ?? MAX_TOKENS;
  return {
    onPluginInit({ addPlugin }) {
      // Suggestions name fields and arguments of the schema: with introspection off they would leak it.
      if (!options.introspection) addPlugin(blockFieldSuggestionsPlugin({ mask: '' }));
    },
    onParse({ parseFn, setParseFn }) {
      setParseFn(parseWithTokenLimit(parseFn, maxTokens));
    },
    onValidate({ addValidationRule }) {
      addValidationRule(depthLimitRule(maxDepth));
      addValidationRule(aliasLimitRule(maxAliases));
      addValidationRule(directiveLimitRule(maxDirectives));
      if (!options.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
    },
    onExecute({ args, setResultAndStopExecution }) {
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      const { cost } = queryCost(args.document, args.schema, variables, args.operationName);
      if (cost <= maxCost) return;
      setResultAndStopExecution({
        errors: [
          new QueryLimitError(
            `Query costs about ${cost} (items and reads it may touch); at most ${maxCost} are allowed. Ask for smaller pages (first/limit) or fewer nested lists.`,
            'QUERY_TOO_COSTLY',
            maxCost,
            cost,
          ),
        ],
      });
    },
  };
}
