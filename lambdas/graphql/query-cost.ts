import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  getNamedType,
  isCompositeType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './query-arguments.js';

/**
 * Cost: roughly the number of items and reads a query asks for. A paginated field costs its page size
 * and multiplies the cost of what it contains by it; every other object field costs 1 per parent; a
 * batch's counts, `finished` and `finishedAt` cost COUNTS_COST each (they share two reads of constant
 * size, the writer state and the 8 counter items, but a list of batches multiplies them). 10,000 allows
 * a page of 1000 sends with their content, or 100 batches with their counts, and refuses pages within
 * pages (100 batches × 100 sends each).
 */
export const MAX_COST = 10_000;
const COUNTS_COST = 50;

/** Fields that return a page, with the argument that sizes it. */
const PAGE_SIZE_ARGUMENT: Record<string, string> = {
  'Query.emailSends': 'limit',
  'Query.emailSendsPage': 'first',
  'Query.batches': 'first',
  'Batch.sends': 'first',
  'Query.suppressions': 'first',
};
const EXPENSIVE_FIELDS: Record<string, number> = {
  'Batch.counts': COUNTS_COST,
  'Batch.finished': COUNTS_COST,
  'Batch.finishedAt': COUNTS_COST,
  // A scalar, but one read of its own.
  'Batch.startedAt': 1,
};

export interface CostEstimate {
  /** The cost of the costliest operation that may run (see MAX_COST). */
  cost: number;
  /**
   * Selections looked at: the work the estimate took. Each selection of the document is looked at
   * once at most, however often its fragment is spread, so this never exceeds the document's size.
   */
  visited: number;
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
 * Estimated cost of a request: of the operation named `operationName`, or of the costliest one when no
 * name is given. Uses the schema to know each field's type, so that scalar fields cost nothing and
 * fragments are costed as the fields they stand for.
 *
 * Linear in the document's size: a page's multiplier distributes over what it contains, so a
 * fragment's cost is computed once (for its type condition, with multiplier 1), remembered, and
 * multiplied where it is spread. Expanding spreads instead would cost 2^n steps for n fragments that
 * each spread the next one twice.
 */
export function queryCost(
  document: DocumentNode,
  schema: GraphQLSchema,
  variables: Record<string, unknown>,
  operationName?: string | null,
): CostEstimate {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const fragmentCosts = new Map<string, number>();
  // Validation refuses fragment cycles, but this may run on a document it has not seen (or be called
  // directly): a fragment spread inside itself counts nothing rather than looping.
  const costing = new Set<string>();
  let visited = 0;

  const compositeType = (name: string): GraphQLCompositeType | undefined => {
    const type = schema.getType(name);
    return type && isCompositeType(type) ? type : undefined;
  };

  const fragmentCost = (name: string): number => {
    const known = fragmentCosts.get(name);
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    if (!fragment || costing.has(name)) return 0;
    costing.add(name);
    const type = compositeType(fragment.typeCondition.name.value);
    const cost = type ? selectionCost(fragment.selectionSet, type) : 0;
    costing.delete(name);
    fragmentCosts.set(name, cost);
    return cost;
  };

  const fieldCost = (field: FieldNode, parent: GraphQLCompositeType): number => {
    const name = field.name.value;
    if (name.startsWith('__') || !('getFields' in parent)) return 0;
    const definition = parent.getFields()[name];
    if (!definition) return 0;
    const type = getNamedType(definition.type);
    const below = field.selectionSet && isCompositeType(type) ? selectionCost(field.selectionSet, type) : 0;
    const coordinate = `${parent.name}.${name}`;
    const argument = PAGE_SIZE_ARGUMENT[coordinate];
    if (argument !== undefined) {
      const size = pageSize(field, argument, variables);
      return size + size * below;
    }
    return (EXPENSIVE_FIELDS[coordinate] ?? (isCompositeType(type) ? 1 : 0)) + below;
  };

  // Cost of a selection set once, for one parent; its parent's page size multiplies it.
  const selectionCost = (selectionSet: SelectionSetNode, parent: GraphQLCompositeType): number => {
    let total = 0;
    for (const selection of selectionSet.selections) {
      visited += 1;
      if (selection.kind === Kind.FIELD) total += fieldCost(selection, parent);
      else if (selection.kind === Kind.FRAGMENT_SPREAD) total += fragmentCost(selection.name.value);
      else {
        const type = selection.typeCondition ? compositeType(selection.typeCondition.name.value) : parent;
        if (type) total += selectionCost(selection.selectionSet, type);
      }
    }
    return total;
  };

  const root = schema.getQueryType();
  let cost = 0;
  if (root) {
    for (const operation of operations) {
      if (operationName && operation.name?.value !== operationName) continue;
      cost = Math.max(cost, selectionCost(operation.selectionSet, root));
    }
  }
  return { cost, visited };
}
