import type { AttributeValue, RawItem } from './capacity-units.js';

/**
 * Applies a DynamoDB UpdateExpression to an item image, for the subset the stores write: SET of a value,
 * of another attribute or of `if_not_exists(path, :value)`; ADD of a number or to a set; REMOVE. Top-level
 * attributes only. Anything else throws, naming what it does not know, rather than guess: the cost meter
 * computes the item after a write with it (and checks a sample against the emulator), so that it does
 * not have to read every item back.
 */
export function applyUpdate(
  before: RawItem | undefined,
  key: RawItem,
  expression: string,
  names: Record<string, string> = {},
  values: RawItem = {},
): RawItem {
  const item: RawItem = { ...(before ?? key) };
  const pathOf = (token: string): string => {
    const path = token.trim();
    if (/[.[\]]/.test(path)) throw new Error(`update-expression: nested path ${path} not supported`);
    if (!path.startsWith('#')) return path;
    const name = names[path];
    if (name === undefined) throw new Error(`update-expression: no name for ${path}`);
    return name;
  };
  const attributeValueOf = (token: string): AttributeValue => {
    const value = values[token.trim()];
    if (value === undefined) throw new Error(`update-expression: no value for ${token.trim()}`);
    return value;
  };
  const operand = (text: string): AttributeValue | undefined => {
    const t = text.trim();
    const ifNotExists = /^if_not_exists\s*\(\s*([^,]+?)\s*,\s*(\S+?)\s*\)$/i.exec(t);
    if (ifNotExists) return item[pathOf(ifNotExists[1] ?? '')] ?? attributeValueOf(ifNotExists[2] ?? '');
    if (t.startsWith(':')) return attributeValueOf(t);
    if (/[+\-(]/.test(t)) throw new Error(`update-expression: operand ${t} not supported`);
    return item[pathOf(t)];
  };

  for (const { action, body } of clausesOf(expression)) {
    for (const part of splitTopLevel(body)) {
      if (action === 'SET') {
        const at = part.indexOf('=');
        if (at < 0) throw new Error(`update-expression: SET without = in ${part}`);
        const value = operand(part.slice(at + 1));
        const path = pathOf(part.slice(0, at));
        if (value === undefined) throw new Error(`update-expression: ${part} reads an absent attribute`);
        item[path] = value;
      } else if (action === 'REMOVE') {
        delete item[pathOf(part)];
      } else if (action === 'ADD') {
        const [pathToken, valueToken, ...rest] = part.trim().split(/\s+/);
        if (pathToken === undefined || valueToken === undefined || rest.length > 0)
          throw new Error(`update-expression: ADD ${part} not understood`);
        const path = pathOf(pathToken);
        item[path] = added(item[path], attributeValueOf(valueToken));
      } else {
        throw new Error(`update-expression: ${action} not supported`);
      }
    }
  }
  return item;
}

function added(current: AttributeValue | undefined, delta: AttributeValue): AttributeValue {
  if (delta.N !== undefined) {
    if (current === undefined) return { N: delta.N };
    if (current.N === undefined) throw new Error('update-expression: ADD of a number to a non-number');
    return { N: String(Number(current.N) + Number(delta.N)) };
  }
  if (delta.SS !== undefined) return { SS: [...new Set([...(current?.SS ?? []), ...delta.SS])] };
  if (delta.NS !== undefined) return { NS: [...new Set([...(current?.NS ?? []), ...delta.NS])] };
  throw new Error('update-expression: ADD supports numbers and string or number sets');
}

/** The clauses of an update expression, in order. */
function clausesOf(expression: string): { action: string; body: string }[] {
  const clauses: { action: string; body: string }[] = [];
  const keyword = /\b(SET|REMOVE|ADD|DELETE)\b/g;
  const found = [...expression.matchAll(keyword)];
  found.forEach((match, i) => {
    const start = (match.index ?? 0) + match[0].length;
    const end = found[i + 1]?.index ?? expression.length;
    clauses.push({ action: match[0].toUpperCase(), body: expression.slice(start, end) });
  });
  if (clauses.length === 0) throw new Error(`update-expression: no clause in ${expression}`);
  return clauses;
}

/** Splits on the commas outside parentheses. */
function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '(') depth += 1;
    else if (c === ')') depth -= 1;
    else if (c === ',' && depth === 0) {
      parts.push(body.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(body.slice(from));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}
