import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { renderGraphiQL } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import {
  API_ROUTES,
  DOCS_ASSETS,
  routeKeyOf,
  SWAGGER_UI_INITIALIZER,
} from '../../lambdas/contract/api-routes.js';
import {
  GRAPHIQL_FILES,
  GRAPHIQL_PACKAGE,
  packagedFileOf,
  SWAGGER_UI_FILES,
} from '../../lambdas/contract/docs-files.js';
import { createDocsHandler } from '../../lambdas/docs/handler.js';
import { openApiDocument } from '../../lambdas/docs/openapi.js';
import { renderOfflineGraphiQL } from '../../lambdas/graphql/offline-graphiql.js';
import { httpApiEvent } from '../helpers/http-api-event.js';

const require = createRequire(import.meta.url);
// The node_modules holding swagger-ui-dist and @graphql-yoga/graphiql, as the local runner finds it.
const nodeModulesDir = dirname(dirname(require.resolve('swagger-ui-dist/package.json')));
const handler = createDocsHandler({ fileOf: packagedFileOf(nodeModulesDir) });

const get = (path: string, headers: Record<string, string> = {}) =>
  handler(httpApiEvent({ method: 'GET', path, headers })) as Promise<APIGatewayProxyStructuredResultV2>;

const bodyOf = (result: APIGatewayProxyStructuredResultV2): string => {
  const raw = Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8');
  return (result.headers?.['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
};

type Operation = { security?: unknown[]; responses: Record<string, unknown>; requestBody?: unknown };
type Document = {
  openapi: string;
  security: Record<string, string[]>[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
};

describe('the OpenAPI document', () => {
  const document = openApiDocument() as unknown as Document;

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('describes exactly the routes of API_ROUTES, the list the stack and the runner route', () => {
    const described = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(described.sort()).toEqual(API_ROUTES.map(routeKeyOf).sort());
  });

  it('declares the x-api-key header scheme, required everywhere but on the public routes', () => {
    expect(document.components.securitySchemes.apiKey).toEqual(
      expect.objectContaining({ type: 'apiKey', in: 'header', name: 'x-api-key' }),
    );
    expect(document.security).toEqual([{ apiKey: [] }]);
    for (const route of API_ROUTES) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];
      if (route.access === 'public')
        expect([routeKeyOf(route), operation?.security]).toEqual([routeKeyOf(route), []]);
      else {
        expect(operation?.security).toBeUndefined();
        expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
  });

  it('describes the upload as a multipart file field or a raw CSV body, with every answer', () => {
    const upload = document.paths['/campaigns/upload']?.post as Operation & {
      requestBody: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
    };
    expect(Object.keys(upload.requestBody.content).sort()).toEqual(['multipart/form-data', 'text/csv']);
    expect(upload.requestBody.content['multipart/form-data']?.schema.properties?.file).toMatchObject({
      type: 'string',
      format: 'binary',
    });
    expect(Object.keys(upload.responses).sort()).toEqual(
      ['202', '400', '401', '403', '409', '413', '415', '422', '429', '500'].sort(),
    );
    const report = JSON.stringify(document.components.schemas.ReportCounts);
    for (const field of [
      'received',
      'accepted',
      'duplicates',
      'invalid',
      'encoding',
      'errors',
      'duplicatesList',
      'truncated',
    ]) {
      expect(report).toContain(`"${field}"`);
    }
    expect(JSON.stringify(upload.responses['413'])).toContain('PayloadTooLarge');
    expect(JSON.stringify(document.components.schemas.PayloadTooLarge)).toContain('/campaigns/uploads');
  });

  it('resolves every $ref', () => {
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)];
    expect(refs.length).toBeGreaterThan(0);
    for (const [, name] of refs) expect(document.components.schemas).toHaveProperty(name as string);
  });
});

describe('the docs function', () => {
  it('serves the document at /openapi.json', async () => {
    const result = await get('/openapi.json');
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(bodyOf(result))).toEqual(openApiDocument());
  });

  it('serves Swagger UI at /docs, loading only its own assets', async () => {
    const result = await get('/docs');
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toMatch(/^text\/html/);
    const html = bodyOf(result);
    const urls = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    const own = [...SWAGGER_UI_FILES.map((file) => file.name), SWAGGER_UI_INITIALIZER];
    expect(urls.sort()).toEqual(own.map((asset) => `/docs/${asset}`).sort());
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('serves each asset with its content type, gzipped when the browser accepts it', async () => {
    for (const asset of DOCS_ASSETS) {
      const plain = await get(`/docs/${asset}`);
      expect([asset, plain.statusCode]).toEqual([asset, 200]);
      expect(plain.headers?.['content-type']).toBe(
        asset.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
      );
      const zipped = await get(`/docs/${asset}`, { 'accept-encoding': 'gzip, deflate, br' });
      expect(zipped.headers?.['content-encoding']).toBe('gzip');
      expect(bodyOf(zipped)).toBe(bodyOf(plain));
    }
    expect(bodyOf(await get('/docs/swagger-ui-bundle.js')).length).toBeGreaterThan(100_000);
    const init = bodyOf(await get('/docs/swagger-initializer.js'));
    expect(init).toContain("url: '/openapi.json'");
    expect(init).toContain('validatorUrl: null');
  });

  it('serves every file GraphiQL loads, with its content type, so that it works with no internet', async () => {
    const page = renderOfflineGraphiQL({ title: 'Campaign mailer: GraphQL' });
    const loaded = [...new Set(page.match(/\/docs\/[^"'\s>]+/g))];
    expect(loaded.sort()).toEqual(GRAPHIQL_FILES.map((file) => `/docs/${file.name}`).sort());
    for (const path of loaded) {
      const result = await get(path, { 'accept-encoding': 'gzip, deflate, br' });
      expect([path, result.statusCode]).toEqual([path, 200]);
      expect(result.headers?.['content-type']).toBe(
        path.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
      );
      expect(bodyOf(result).length).toBeGreaterThan(100_000);
    }
  });

  it("serves the GraphiQL build of the version yoga's page was written for", () => {
    const yogaPage = renderGraphiQL({});
    const named = new RegExp(`${GRAPHIQL_PACKAGE}@(\\d+)\\.(\\d+)\\.\\d+`).exec(yogaPage);
    const installed = (require(`${GRAPHIQL_PACKAGE}/package.json`) as { version: string }).version;
    // npm has no 4.5.1 of the package yoga 5.24 names; the same minor release line is what it was built with.
    expect(installed.split('.').slice(0, 2)).toEqual([named?.[1], named?.[2]]);
  });

  it('sends a file too large for a plain Lambda response gzipped, unless the client refuses gzip', async () => {
    const large = '/docs/yoga-graphiql.umd.js';
    const unasked = await get(large);
    expect(unasked.headers?.['content-encoding']).toBe('gzip');
    // Lambda's synchronous response limit is 6 MB, base64 included.
    expect((unasked.body ?? '').length).toBeLessThan(6 * 1024 * 1024);
    expect(bodyOf(unasked)).toContain('renderYogaGraphiQL');
    expect((await get(large, { 'accept-encoding': 'identity' })).statusCode).toBe(406);
    expect((await get(large, { 'accept-encoding': 'gzip;q=0, br' })).statusCode).toBe(406);
    // A small file still goes plain to a client that did not ask for gzip.
    expect((await get('/docs/graphiql.css')).headers?.['content-encoding']).toBeUndefined();
  });

  it('answers 404 for anything else, without touching the file system', async () => {
    for (const path of [
      '/docs/package.json',
      '/docs/../../etc/passwd',
      '/docs/swagger-ui.js.map',
      '/docs/graphql.worker..bundle.js',
      '/docs/yoga-graphiql.es.js',
    ]) {
      expect((await get(path)).statusCode).toBe(404);
    }
  });
});
