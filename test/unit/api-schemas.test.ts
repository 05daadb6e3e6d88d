import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  type FileProblem,
  GraphqlRequestSchema,
  type IngestReport,
  LargeUploadRequestSchema,
} from '../../lambdas/contract/api-schemas.js';
import type { CampaignEncoding } from '../../lambdas/core/domain/campaign-encoding.js';
import type { CampaignFileProblem } from '../../lambdas/core/domain/campaign-file-error.js';
import { openApiDocument } from '../../lambdas/docs/openapi.js';
import { DocumentedAnswers, type MediaType, type OpenApiDocument } from '../helpers/documented-answers.js';

describe('the answer schemas', () => {
  it('name exactly the file problems and encodings of the CSV reader', () => {
    // Checked by the compiler: a problem or an encoding added on one side only fails `tsc`.
    expectTypeOf<FileProblem['problem']>().toEqualTypeOf<CampaignFileProblem>();
    expectTypeOf<IngestReport['encoding']>().toEqualTypeOf<CampaignEncoding>();
  });
});

describe('the examples of the OpenAPI document', () => {
  const document = openApiDocument() as unknown as OpenApiDocument & {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, MediaType> } }>>;
  };
  const documented = new DocumentedAnswers(document);
  const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({
      name: `${method.toUpperCase()} ${path}`,
      operation,
    })),
  );

  it('match the schema of the answer they illustrate', () => {
    const checked: string[] = [];
    for (const { name, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (media.example === undefined) continue;
          documented.checkValue(media, media.example, `the example of ${name} ${status} ${type}`);
          checked.push(`${name} ${status}`);
        }
      }
    }
    expect(checked).toEqual(
      expect.arrayContaining([
        'POST /campaigns/upload 202',
        'POST /campaigns/upload 400',
        'POST /campaigns/upload 403',
        'POST /campaigns/uploads 413',
        'GET /graphql 401',
      ]),
    );
  });

  it('give request bodies the handlers take', () => {
    const bodies = Object.fromEntries(
      operations.map(({ name, operation }) => [
        name,
        operation.requestBody?.content['application/json']?.example,
      ]),
    );
    expect(LargeUploadRequestSchema.safeParse(bodies['POST /campaigns/uploads']).success).toBe(true);
    expect(GraphqlRequestSchema.safeParse(bodies['POST /graphql']).success).toBe(true);
  });
});
