import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { jsonResponse } from '../http/json-response.js';
import { DOCS_PATH, OPENAPI_PATH, SWAGGER_UI_FILES, SWAGGER_UI_INITIALIZER } from './api-routes.js';
import { openApiDocument } from './openapi.js';

export interface DocsHandlerDeps {
  /** Directory holding Swagger UI's files (SWAGGER_UI_FILES): the bundle on AWS, swagger-ui-dist locally. */
  assetsDir: string;
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

function sendAsset(asset: Asset, acceptEncoding: string | undefined, cacheControl: string): Result {
  // swagger-ui-bundle.js is 1.7 MB, 0.5 MB gzipped: every browser accepts gzip.
  const gzip = /\bgzip\b/i.test(acceptEncoding ?? '');
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
 * GET /openapi.json, GET /docs and GET /docs/{asset}: the API's description and Swagger UI, public,
 * from a function that can reach nothing but its own files. The assets are read (and gzipped) once
 * per container, on first use.
 */
export function createDocsHandler(deps: DocsHandlerDeps) {
  const document = assetOf(JSON.stringify(openApiDocument()), 'application/json; charset=utf-8');
  const page = assetOf(DOCS_PAGE, 'text/html; charset=utf-8');
  const initializer = assetOf(DOCS_INITIALIZER, CONTENT_TYPES['.js'] as string);
  const files = new Map<string, Promise<Asset>>();
  const fileAsset = (name: string): Promise<Asset> => {
    let asset = files.get(name);
    if (!asset) {
      const type = CONTENT_TYPES[name.slice(name.lastIndexOf('.'))] ?? 'application/octet-stream';
      asset = readFile(join(deps.assetsDir, name)).then((bytes) => assetOf(bytes, type));
      // A failed read is retried by the next request rather than cached.
      asset.catch(() => files.delete(name));
      files.set(name, asset);
    }
    return asset;
  };

  return async (event: APIGatewayProxyEventV2): Promise<Result> => {
    const path = event.rawPath.replace(/\/+$/, '') || '/';
    const accept = event.headers?.['accept-encoding'];
    if (path === OPENAPI_PATH) return sendAsset(document, accept, 'no-cache');
    if (path === DOCS_PATH) return sendAsset(page, accept, 'no-cache');
    const name = path.startsWith(`${DOCS_PATH}/`) ? path.slice(DOCS_PATH.length + 1) : undefined;
    if (name === SWAGGER_UI_INITIALIZER) return sendAsset(initializer, accept, 'no-cache');
    // Only the listed names: a path never reaches the file system.
    if (name !== undefined && (SWAGGER_UI_FILES as readonly string[]).includes(name)) {
      return sendAsset(await fileAsset(name), accept, 'public, max-age=86400');
    }
    return jsonResponse(404, { error: `no documentation at ${path}` });
  };
}
