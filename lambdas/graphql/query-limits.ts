import {
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './query-arguments.js';

/**
 * Limits on what one request may ask for, so that a careless query cannot run up the bill or hold
 * the function for long: a depth limit (a validation rule), a cost limit (checked when the variables
 * are known) and, in production mode, no introspection and no "Did you mean" suggestions.
 */

/** The deepest query the schema needs is 6: batches → items → sends → items → content → text. */
export const MAX_DEPTH = 6;

/**
 * Cost: roughly the number of items and reads a query asks for. A paginated field costs its page size
 * and multiplies the cost of what it contains by it; every other object field costs 1 per parent; a
 * batch's counts, `finished` and `finishedAt` cost COUNTS_COST each (five queries that read the whole
 * batch). 10,000 allows a page of 1000 sends with their content, or 100 batches with their counts, and
 * refuses pages within pages (100 batches × 100 sends each).
 */
export const MAX_COST = 10_000;
const COUNTS_COST = 50;

/** Fields that return a page, with the argument that sizes it. */
const PAGE_SIZE_ARGUMENT: Record<string, string> = {
  'Query.emailSends': 'limit',
  'Query.emailSendsPage': 'first',
  'Query.batches': 'first',
  'Batch.sends': 'first',
};
const EXPENSIVE_FIELDS: Record<string, number> = {
  'Batch.counts': COUNTS_COST,
  'Batch.finished': COUNTS_COST,
  'Batch.finishedAt': COUNTS_COST,
  // A scalar, but one read of its own.
  'Batch.startedAt': 1,
};

export class QueryLimitError extends GraphQLError {
  constructor(message: string, code: 'QUERY_TOO_DEEP' | 'QUERY_TOO_COSTLY', limit: number, actual: number) {
    super(message, { extensions: { code, limit, actual } });
  }
}

type Fragments = Record<string, FragmentDefinitionNode>;

function fragmentsOf(document: DocumentNode): Fragments {
  const fragments: Fragments = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return fragments;
}

/** Fields of a selection set with fragments inlined (a fragment already on the path is not followed). */
function fieldsOf(selectionSet: SelectionSetNode, fragments: Fragments, visiting: Set<string>): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) {
      fields.push(...fieldsOf(selection.selectionSet, fragments, visiting));
    } else {
      const name = selection.name.value;
      const fragment = fragments[name];
      if (!fragment || visiting.has(name)) continue;
      fields.push(...fieldsOf(fragment.selectionSet, fragments, new Set([...visiting, name])));
    }
  }
  return fields;
}

/** Depth of a selection: fields of the schema's introspection (`__schema`, `__type`) do not count. */
function depthOf(selectionSet: SelectionSetNode, fragments: Fragments, visiting = new Set<string>()): number {
  let deepest = 0;
  for (const field of fieldsOf(selectionSet, fragments, visiting)) {
    if (field.name.value.startsWith('__')) continue;
    const below = field.selectionSet ? depthOf(field.selectionSet, fragments, visiting) : 0;
    deepest = Math.max(deepest, 1 + below);
  }
  return deepest;
}

/** Validation rule: refuses an operation nested deeper than `maxDepth` fields. */
export function depthLimitRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context.getDocument());
    return {
      OperationDefinition(operation: OperationDefinitionNode) {
        const depth = depthOf(operation.selectionSet, fragments);
        if (depth > maxDepth) {
          context.reportError(
            new QueryLimitError(
              `Query is ${depth} fields deep; at most ${maxDepth} are allowed. Split it into several queries.`,
              'QUERY_TOO_DEEP',
              maxDepth,
              depth,
            ),
          );
        }
      },
    };
  };
}

function pageSize(field: FieldNode, argument: string, variables: Record<string, unknown>): number {
  const node: ValueNode | undefined = field.arguments?.find((a) => a.name.value === argument)?.value;
  let value: unknown;
  if (node?.kind === Kind.INT) value = Number(node.value);
  else if (node?.kind === Kind.VARIABLE) value = variables[node.name.value];
  // Out-of-range sizes are refused by the resolvers with BAD_USER_INPUT; here they count as the maximum.
  if (typeof value !== 'number' || !Number.isInteger(value)) return DEFAULT_PAGE_SIZE;
  return Math.min(Math.max(value, 1), MAX_PAGE_SIZE);
}

/**
 * Estimated cost of an operation (see MAX_COST). Uses the schema to know each field's type, so that
 * scalar fields cost nothing and fragments are costed as the fields they stand for.
 */
export function operationCost(
  operation: OperationDefinitionNode,
  fragments: Fragments,
  schema: GraphQLSchema,
  variables: Record<string, unknown>,
): number {
  const root = schema.getQueryType();
  if (!root) return 0;
  const costOf = (
    selectionSet: SelectionSetNode,
    parent: GraphQLCompositeType,
    multiplier: number,
    visiting: Set<string>,
  ): number => {
    let total = 0;
    for (const field of fieldsOf(selectionSet, fragments, visiting)) {
      const name = field.name.value;
      if (name.startsWith('__') || !('getFields' in parent)) continue;
      const definition = parent.getFields()[name];
      if (!definition) continue;
      const type = getNamedType(definition.type);
      const coordinate = `${parent.name}.${name}`;
      const argument = PAGE_SIZE_ARGUMENT[coordinate];
      const size = argument === undefined ? 1 : pageSize(field, argument, variables);
      const own =
        argument !== undefined ? size : (EXPENSIVE_FIELDS[coordinate] ?? (isCompositeType(type) ? 1 : 0));
      total += multiplier * own;
      if (field.selectionSet && isCompositeType(type)) {
        total += costOf(field.selectionSet, type, multiplier * size, visiting);
      }
    }
    return total;
  };
  return costOf(operation.selectionSet, root, 1, new Set());
}

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

export interface QueryLimitOptions {
  maxDepth?: number;
  maxCost?: number;
  /** Off in production: introspection queries are refused and error messages carry no suggestions. */
  introspection: boolean;
}

/** The limits as one Yoga plugin. */
export function queryLimitsPlugin(options: QueryLimitOptions): Plugin {
  const maxDepth = options.maxDepth ?? MAX_DEPTH;
  const maxCost = options.maxCost ?? MAX_COST;
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(depthLimitRule(maxDepth));
      if (!options.introspection) addValidationRule(NoSchemaIntrospectionCustomRule);
      if (options.introspection) return;
      // Suggestions name fields and arguments of the schema: with introspection off they would leak it.
      return ({ result, setResult }) => {
        if (result.length === 0) return;
        setResult(
          result.map((error: Error) => {
            const message = error.message.replace(SUGGESTION, '');
            if (message === error.message) return error;
            return error instanceof GraphQLError
              ? new GraphQLError(message, { nodes: error.nodes ?? null, extensions: error.extensions })
              : new GraphQLError(message);
          }),
        );
      };
    },
    onExecute({ args, setResultAndStopExecution }) {
      const fragments = fragmentsOf(args.document);
      const variables = (args.variableValues ?? {}) as Record<string, unknown>;
      for (const definition of args.document.definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
        if (args.operationName && definition.name?.value !== args.operationName) continue;
        const cost = operationCost(definition, fragments, args.schema, variables);
        if (cost > maxCost) {
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
          return;
        }
      }
    },
  };
}
