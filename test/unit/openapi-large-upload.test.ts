import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../../lambdas/docs/openapi.js';

type Schema = { required?: string[]; properties?: Record<string, unknown>; enum?: string[] };
type Operation = {
  parameters?: { name: string; in: string; deprecated?: boolean }[];
  requestBody?: { required: boolean; content: Record<string, { schema: unknown }> };
  responses: Record<string, unknown>;
};
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
};

describe('the OpenAPI document for the large-file path', () => {
  const document = openApiDocument() as unknown as Document;
  const operation = document.paths['/campaigns/uploads']?.post as Operation;

  it('is still a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
  });

  it('asks for a JSON body with the file size, fileName and dryRun', () => {
    expect(operation.requestBody?.required).toBe(true);
    expect(JSON.stringify(operation.requestBody?.content['application/json']?.schema)).toContain(
      'LargeUploadRequest',
    );
    const request = document.components.schemas.LargeUploadRequest;
    expect(request?.required).toEqual(['size']);
    expect(Object.keys(request?.properties ?? {}).sort()).toEqual(['dryRun', 'fileName', 'size']);
    expect(operation.parameters?.map((p) => [p.name, p.in, p.deprecated])).toEqual([
      ['fileName', 'query', true],
      ['size', 'query', true],
      ['dryRun', 'query', true],
    ]);
  });

  it('describes every answer: 201, 400, 413 with the maximum, 415, the key refusals and the 500', () => {
    expect(Object.keys(operation.responses).sort()).toEqual(
      ['201', '400', '401', '403', '413', '415', '429', '500'].sort(),
    );
    expect(JSON.stringify(operation.responses['413'])).toContain('FileTooLarge');
    expect(document.components.schemas.FileTooLarge?.required).toEqual(['error', 'problem', 'maxBytes']);
  });

  it("lists the sep= line's refusal among the file problems", () => {
    const problem = document.components.schemas.FileProblem?.properties?.problem as Schema;
    expect(problem.enum).toContain('INVALID_SEPARATOR_LINE');
  });
});
