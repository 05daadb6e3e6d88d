import { join } from 'node:path';

/**
 * The browser files the docs function serves at `/docs/<name>` (API_ROUTES' `/docs/{asset}`, one path
 * segment, so the names are flat), each copied from an npm package: beside the handler in the Lambda
 * bundle (lib/constructs/docs-function.ts), read from node_modules by the local runner. Serving them
 * ourselves keeps Swagger UI and GraphiQL working with no internet, and keeps GraphiQL's 9 MB out of
 * the graphql function's bundle.
 */
export interface DocsFile {
  /** The name served at `/docs/<name>` and the file's name in the bundle. */
  readonly name: string;
  readonly packageName: string;
  /** Path of the file inside its package. */
  readonly path: string;
}

const SWAGGER_UI_PACKAGE = 'swagger-ui-dist';
export const GRAPHIQL_PACKAGE = '@graphql-yoga/graphiql';

/** What Swagger UI's page (GET /docs) loads. */
export const SWAGGER_UI_FILES: readonly DocsFile[] = [
  { name: 'swagger-ui.css', packageName: SWAGGER_UI_PACKAGE, path: 'swagger-ui.css' },
  { name: 'swagger-ui-bundle.js', packageName: SWAGGER_UI_PACKAGE, path: 'swagger-ui-bundle.js' },
];

/**
 * What graphql-yoga's GraphiQL page (GET /graphql from a browser) loads: its style sheet, the UMD
 * bundle and the three Monaco editor workers it fetches before starting.
 */
export const GRAPHIQL_FILES: readonly DocsFile[] = [
  { name: 'graphiql.css', packageName: GRAPHIQL_PACKAGE, path: 'dist/graphiql.css' },
  { name: 'yoga-graphiql.umd.js', packageName: GRAPHIQL_PACKAGE, path: 'dist/yoga-graphiql.umd.js' },
  {
    name: 'editor.worker.bundle.js',
    packageName: GRAPHIQL_PACKAGE,
    path: 'dist/monacoeditorwork/editor.worker.bundle.js',
  },
  {
    name: 'json.worker.bundle.js',
    packageName: GRAPHIQL_PACKAGE,
    path: 'dist/monacoeditorwork/json.worker.bundle.js',
  },
  {
    name: 'graphql.worker.bundle.js',
    packageName: GRAPHIQL_PACKAGE,
    // The doubled dot is the package's own file name (and the URL yoga's page asks for).
    path: 'dist/monacoeditorwork/graphql.worker..bundle.js',
  },
];

export const DOCS_FILES: readonly DocsFile[] = [...SWAGGER_UI_FILES, ...GRAPHIQL_FILES];

/** Where a file is in a directory holding the files by their served names: the Lambda bundle. */
export const bundledFileOf =
  (dir: string) =>
  (file: DocsFile): string =>
    join(dir, file.name);

/** Where a file is under a node_modules directory: local mode and tests. */
export const packagedFileOf =
  (nodeModulesDir: string) =>
  (file: DocsFile): string =>
    join(nodeModulesDir, file.packageName, file.path);
