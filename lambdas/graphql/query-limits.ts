import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import type { GraphQLArmorRejectCallback } from '@escape.tech/graphql-armor-types';
import {
  type ASTVisitor,
  type DocumentNode,
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type ParseOptions,
  type Source,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { MAX_GRAPHQL_QUERY_LENGTH } from '../contract/api-schemas.js';
import { MAX_COST, queryCost } from './query-cost.js';

/**
 * Limits on what one request may ask for, so that a careless or hostile query cannot run up the bill or
 * hold the function for long. Who does what:
 * - one operation per request: a batch (a JSON array of operations) is refused before any is parsed;
 * - length: MAX_QUERY_LENGTH characters, checked before the parser starts, as comments and whitespace
 *   are no tokens and would otherwise be lexed without limit;
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
 * Every refusal is a GraphQLError with a `code` (and `limit`, and `actual` when it is known), answered
 * 400 to every client. GraphQL over HTTP would answer a client that accepts only application/json 200
 * (as Yoga still does for syntax and validation errors): a refusal is a defence, and API Gateway's
 * access log and 4xx metric must see it as one whatever Accept the sender chose; the body is the same.
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
/** Characters of the query text (the document shows it, so the number lives in the contract). */
export const MAX_QUERY_LENGTH = MAX_GRAPHQL_QUERY_LENGTH;

export type QueryLimitCode =
  | 'BATCHING_NOT_SUPPORTED'
  | 'QUERY_TOO_LONG'
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
        // Yoga answers with this status and drops `http` from the answer. It marks the parse and
        // validation errors `spec: true`, which turns the status into 200 for a plain application/json
        // client; queryLimitsPlugin's onResultProcess puts the 400 back for those.
        http: { status: 400 },
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
 * Work a request's query cost, for tests and benchmarks to assert that it stays linear in the query's
 * size however hostile the query: characters and tokens the parser read, AST nodes validation visited,
 * selections the cost estimate looked at.
 */
export interface QueryWorkMeter {
  parsed(characters: number, tokens: number): void;
  validated(nodes: number): void;
  costed(selections: number): void;
}

export interface ParseLimits {
  maxTokens: number;
  maxLength: number;
}

/**
 * A parse function that refuses a text longer than `maxLength` unread, and stops after `maxTokens`
 * tokens with our refusal. The parser cannot say how many tokens the whole document has: it stops
 * counting there, so that refusal has no `actual`.
 */
export function parseWithLimits(
  parse: ParseFunction,
  { maxTokens, maxLength }: ParseLimits,
  meter?: QueryWorkMeter,
): ParseFunction {
  return (source, options) => {
    const length = typeof source === 'string' ? source.length : source.body.length;
    if (length > maxLength) {
      meter?.parsed(0, 0);
      throw new QueryLimitError(
        `Query is ${length} characters long; at most ${maxLength} are allowed. ${SPLIT}`,
        'QUERY_TOO_LONG',
        maxLength,
        length,
      );
    }
    let document: DocumentNode;
    try {
      document = parse(source, { ...options, maxLexicalTokens: maxTokens });
    } catch (error) {
      if (!(error instanceof GraphQLError && TOKEN_LIMIT_REACHED.test(error.message))) throw error;
      // Stopped at the token past the limit, somewhere in the text: at most all of it was read.
      meter?.parsed(length, maxTokens + 1);
      throw new QueryLimitError(
        `Query has more than ${maxTokens} tokens (names, values and punctuation); at most ${maxTokens} are allowed. ${SPLIT}`,
        'QUERY_TOO_MANY_TOKENS',
        maxTokens,
      );
    }
    meter?.parsed(length, (document as { tokenCount?: number }).tokenCount ?? 0);
    return document;
  };
}

/** The token limit alone (tests of the parser's behaviour at the limit). */
export const parseWithTokenLimit = (parse: ParseFunction, maxTokens: number): ParseFunction =>
  parseWithLimits(parse, { maxTokens, maxLength: Number.POSITIVE_INFINITY });

/** A validation rule that counts the nodes validation visits, reported when it leaves the document. */
function countingRule(meter: QueryWorkMeter) {
  return (): ASTVisitor => {
    let nodes = 0;
    return {
      enter() {
        nodes += 1;
      },
      leave(node) {
        if (node.kind === Kind.DOCUMENT) meter.validated(nodes);
      },
    };
  };
}

/** Refuses a batch, a JSON array of operations, before any of them is parsed. */
function batchRefusal(operations: number): QueryLimitError {
  return new QueryLimitError(
    `The request holds ${operations} operations; send one operation per request (batching is not supported).`,
    'BATCHING_NOT_SUPPORTED',
    1,
    operations,
  );
}

export interface QueryLimitOptions {
  maxDepth?: number;
  maxCost?: number;
  maxAliases?: number;
  maxDirectives?: number;
  maxTokens?: number;
  maxQueryLength?: number;
  /** Counts the work of each request (tests, benchmarks); nothing is counted without it. */
  meter?: QueryWorkMeter;
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
  const maxLength = options.maxQueryLength ?? MAX_QUERY_LENGTH;
  const { meter } = options;
  return {
    onPluginInit({ addPlugin }) {
      // Suggestions name fields and arguments of the schema: with introspection off they would leak it.
      if (!options.introspection) addPlugin(blockFieldSuggestionsPlugin({ mask: '' }));
    },
    // Runs before Yoga's own batching check, which would answer with a message naming no limit.
    onRequestParse() {
      return {
        onRequestParseDone({ requestParserResult }) {
          if (Array.isArray(requestParserResult)) throw batchRefusal(requestParserResult.length);
        },
      };
    },
    onParse({ parseFn, setParseFn }) {
      setParseFn(parseWithLimits(parseFn, { maxTokens, maxLength }, meter));
    },
    onValidate({ addValidationRule }) {
      if (meter) addValidationRule(countingRule(meter));
      addValidationRule(depthLimitRule(maxDepth));
      addValidationRule(aliasLimitRule(maxAliases));
      addValidationRule(directiveLimitRule(maxDirectives));
      if (!options.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
    },
    // A refusal is 400 for every client (see the top of this file): set on the result, whose status
    // Yoga takes before any error's, as it would ignore the errors' own for plain JSON clients.
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || !('errors' in result)) return;
      if (!result.errors?.some((error) => error instanceof QueryLimitError)) return;
      setResult({ ...result, extensions: { ...result.extensions, http: { status: 400 } } });
    },
    onExecute({ args, setResultAndStopExecution }) {
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      const { cost, visited } = queryCost(args.document, args.schema, variables, args.operationName);
      meter?.costed(visited);
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
