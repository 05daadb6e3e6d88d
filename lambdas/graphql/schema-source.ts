import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The schema's text, read once at cold start. The Lambda bundle carries a copy and names it with
 * GRAPHQL_SCHEMA_PATH; without it (tests, tools run from the repository) the repository's file is read.
 */
export function readSchemaSource(schemaPath?: string): string {
  const path = schemaPath ?? fileURLToPath(new URL('../../graphql/schema.graphql', import.meta.url));
  return readFileSync(path, 'utf8');
}
