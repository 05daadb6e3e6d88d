import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DOCS_PATH, OPENAPI_PATH, SWAGGER_UI_INITIALIZER } from '../contract/api-routes.js';
import { DOCS_FILES, type DocsFile } from '../contract/docs-files.js';
import { HttpError } from '../core/http/http-error.js';
import { type HttpHandler, httpFunction } from '../core/http/http-function.js';
import { openApiDocument } from './openapi.js';

export interface DocsHandlerDeps {
  /** Where a file of DOCS_FILES is on disk: beside the handler on AWS, in node_modules locally. */
  fileOf: (file: DocsFile) => string;
}

type Result = APIGatewayProxyStructuredResultV2;

const CONTENT_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
};

const COMMON_HEADERS = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

/** Absolute paths: the HTTP API's $default stage has no prefix, and /docs/ would break relative ones. */
export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Campaign mailer API</title>
  <link rel="stylesheet" href="${DOCS_PATH}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_PATH}/swagger-ui-bundle.js"></script>
  <script src="${DOCS_PATH}/${SWAGGER_UI_INITIALIZER}"></script>
</body>
</html>
`;

/** validatorUrl null: Swagger UI would otherwise send the document to an online validator. */
export const DOCS_INITIALIZER = `window.ui = SwaggerUIBundle({
  url: '${OPENAPI_PATH}',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

interface Asset {
  body: Buffer;
  gzipped: Buffer;
  contentType: string;
}

function assetOf(body: Buffer | string, contentType: string): Asset {
  const bytes = Buffer.from(body);
  return { body: bytes, gzipped: gzipSync(bytes), contentType };
}

/**
 * Lambda refuses a synchronous response above 6 MB, and base64 adds a third: a larger file (GraphiQL's
 * 5.3 MB yoga-graphiql.umd.js) can only leave the function gzipped.
 */
const MAX_PLAIN_BYTES = 4 * 1024 * 1024;

type GzipWish = 'accepted' | 'unspecified' | 'refused';

function gzipWish(acceptEncoding: string | undefined): GzipWish {
  if (acceptEncoding === undefined) return 'unspecified';
  const gzip = /(?:^|,)\s*(?:gzip|\*)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*(?=,|$)/i.exec(acceptEncoding);
  if (!gzip) return 'refused';
  return gzip[1] !== undefined && Number(gzip[1]) === 0 ? 'refused' : 'accepted';
}

function sendAsset(asset: Asset, acceptEncoding: string | undefined, cacheControl: string): Result {
  // swagger-ui-bundle.js is 1.7 MB, 0.5 MB gzipped: every browser accepts gzip. A request without
  // Accept-Encoding accepts any coding (RFC 9110, 12.5.3), which is what lets a large file go gzipped.
  const wish = gzipWish(acceptEncoding);
  const tooLarge = asset.body.length > MAX_PLAIN_BYTES;
  if (tooLarge && wish === 'refused') {
    throw new HttpError(406, 'this file is only served gzipped: send Accept-Encoding: gzip');
  }
  const gzip = wish === 'accepted' || tooLarge;
  return {
    statusCode: 200,
    headers: {
      'content-type': asset.contentType,
      'cache-control': cacheControl,
      vary: 'accept-encoding',
      ...COMMON_HEADERS,
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    },
    body: (gzip ? asset.gzipped : asset.body).toString('base64'),
    isBase64Encoded: true,
  };
}

/**
 * GET /openapi.json, GET /docs and GET /docs/{asset}: the API's description, Swagger UI and GraphiQL's
 * files, public, from a function that can reach nothing but its own files. The assets are read (and
 * gzipped) once per container, on first use.
 */
export function createDocsHandler(deps: DocsHandlerDeps): HttpHandler {
  const document = assetOf(JSON.stringify(openApiDocument()), 'application/json; charset=utf-8');
  const page = assetOf(DOCS_PAGE, 'text/html; charset=utf-8');
  const initializer = assetOf(DOCS_INITIALIZER, CONTENT_TYPES['.js'] as string);
  const files = new Map<string, Promise<Asset>>();
  const fileAsset = (file: DocsFile): Promise<Asset> => {
    let asset = files.get(file.name);
    if (!asset) {
      const type = CONTENT_TYPES[file.name.slice(file.name.lastIndexOf('.'))] ?? 'application/octet-stream';
      asset = readFile(deps.fileOf(file)).then((bytes) => assetOf(bytes, type));
      // A failed read is retried by the next request rather than cached.
      asset.catch(() => files.delete(file.name));
      files.set(file.name, asset);
    }
    return asset;
  };

  return httpFunction('docs', {}, async (event) => {
    const path = event.rawPath.replace(/\/+$/, '') || '/';
    const accept = event.headers?.['accept-encoding'];
    if (path === OPENAPI_PATH) return sendAsset(document, accept, 'no-cache');
    if (path === DOCS_PATH) return sendAsset(page, accept, 'no-cache');
    const name = path.startsWith(`${DOCS_PATH}/`) ? path.slice(DOCS_PATH.length + 1) : undefined;
    if (name === SWAGGER_UI_INITIALIZER) return sendAsset(initializer, accept, 'no-cache');
    // Only the listed names: a path never reaches the file system.
    const file = DOCS_FILES.find((f) => f.name === name);
    if (file !== undefined) return sendAsset(await fileAsset(file), accept, 'public, max-age=86400');
    throw new HttpError(404, `no documentation at ${path}`);
  });
}
