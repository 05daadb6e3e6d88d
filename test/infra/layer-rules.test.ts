import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type IViolation } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../../lib/repo-paths.js';

/**
 * The layer rules of .dependency-cruiser.cjs, which `npm test` runs over the whole tree, shown to catch
 * what each forbids: a copy of lambdas/ gets one offending file per rule, and a cruise of those files
 * must report exactly the expected violations, and nothing for the imports the rules allow.
 */

/** Files written into the copy, each breaking (or, for the allowed ones, not breaking) one rule. */
const OFFENDERS: Record<string, string> = {
  'lambdas/core/domain/cycle-a.ts': "import { b } from './cycle-b.js';\nexport const a = () => b;\n",
  'lambdas/core/domain/cycle-b.ts': "import { a } from './cycle-a.js';\nexport const b = () => a;\n",
  'lambdas/contract/leaks.ts': "export { sendIdFor } from '../core/domain/send-id.js';\n",
  'lambdas/core/domain/reaches-aws.ts': "export { SQSClient } from '@aws-sdk/client-sqs';\n",
  'lambdas/sender/builds-commands.ts': "export { GetCommand } from '@aws-sdk/lib-dynamodb';\n",
  'lib/loads-handler.ts': "export { createSenderHandler } from '../lambdas/sender/handler.js';\n",
  'lambdas/graphql/borrows.ts': "export { uploadedFile } from '../upload-api/upload-body.js';\n",
  'lambdas/core/ingest/reaches-up.ts': "export { createSenderHandler } from '../../sender/handler.js';\n",
  'local/imports-handler.ts': "export { createSweeperHandler } from '../lambdas/sweeper/handler.js';\n",
  'cli/reaches-core.ts': "export { sendIdFor } from '../lambdas/core/domain/send-id.js';\n",
  'cli/reaches-aws.ts': "export { S3Client } from '@aws-sdk/client-s3';\n",
  // Allowed: a type in a signature builds no command; a function's own modules; core from a function.
  'local/names-a-client-type.ts':
    "import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';\nexport type Client = DynamoDBClient;\n",
  'lambdas/sender/own-module.ts': "export { receiveCountOf } from './sqs-records.js';\n",
  'lambdas/graphql/uses-core.ts': "export { SendReader } from '../core/store/send-reader.js';\n",
  'cli/reads-the-contract.ts': "export { UPLOAD_PATH } from '../lambdas/contract/api-routes.js';\n",
};

let copy: string;
let violations: IViolation[];

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), 'layer-rules-'));
  cpSync(repoPath('lambdas'), join(copy, 'lambdas'), { recursive: true });
  cpSync(repoPath('tsconfig.json'), join(copy, 'tsconfig.json'));
  symlinkSync(repoPath('node_modules'), join(copy, 'node_modules'), 'dir');
  for (const [file, source] of Object.entries(OFFENDERS)) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    writeFileSync(join(copy, file), source);
  }
  const options = await extractDepcruiseOptions(repoPath('.dependency-cruiser.cjs'));
  const result = await cruise(Object.keys(OFFENDERS), {
    ...options,
    baseDir: copy,
    // Keeps node_modules/ in the resolved paths, which the rules match, instead of the link's target.
    preserveSymlinks: true,
  });
  if (typeof result.output === 'string') throw new Error('expected a cruise result object');
  violations = result.output.summary.violations;
}, 60_000);

afterAll(() => {
  if (copy) rmSync(copy, { recursive: true, force: true });
});

const found = (rule: string) =>
  violations.filter((v) => v.rule.name === rule).map((v) => `${v.from} → ${v.to}`);

describe('the layer rules', () => {
  it('refuse an import cycle', () => {
    const cycles = violations.filter((v) => v.rule.name === 'no-cycles');
    expect(cycles).toHaveLength(1);
    expect(['lambdas/core/domain/cycle-a.ts', 'lambdas/core/domain/cycle-b.ts']).toContain(cycles[0]?.from);
  });

  it('refuse a contract module importing our other code', () => {
    expect(found('contract-is-a-leaf')).toEqual([
      'lambdas/contract/leaks.ts → lambdas/core/domain/send-id.ts',
    ]);
  });

  it('refuse an AWS SDK import in the domain', () => {
    expect(found('domain-is-plain-typescript')).toEqual([
      expect.stringMatching(/^lambdas\/core\/domain\/reaches-aws\.ts → node_modules\/@aws-sdk\/client-sqs\//),
    ]);
  });

  it('refuse DynamoDB commands outside the store, but not a type-only import', () => {
    expect(found('only-the-store-touches-dynamodb')).toEqual([
      expect.stringMatching(/^lambdas\/sender\/builds-commands\.ts → node_modules\/@aws-sdk\/lib-dynamodb\//),
    ]);
  });

  it('refuse the CDK app importing a handler', () => {
    expect(found('cdk-app-imports-only-the-contract')).toEqual([
      'lib/loads-handler.ts → lambdas/sender/handler.ts',
    ]);
  });

  it("refuse a function importing another function's module, but not its own or core", () => {
    expect(found('functions-are-isolated')).toEqual([
      'lambdas/graphql/borrows.ts → lambdas/upload-api/upload-body.ts',
    ]);
  });

  it('refuse shared code reaching up into a function', () => {
    expect(found('shared-code-imports-no-function')).toEqual([
      'lambdas/core/ingest/reaches-up.ts → lambdas/sender/handler.ts',
    ]);
  });

  it('refuse the local runner importing a handler module', () => {
    expect(found('runner-loads-functions-by-entry-only')).toEqual([
      'local/imports-handler.ts → lambdas/sweeper/handler.ts',
    ]);
  });

  it('refuse the campaign CLI reaching past the API: into core or an AWS SDK, but not the contract', () => {
    expect(found('cli-is-an-api-client')).toEqual([
      expect.stringMatching(/^cli\/reaches-aws\.ts → node_modules\/@aws-sdk\/client-s3\//),
      'cli/reaches-core.ts → lambdas/core/domain/send-id.ts',
    ]);
  });

  it('report nothing else: the allowed imports and the copied tree pass', () => {
    const expected = new Set([
      'no-cycles',
      'contract-is-a-leaf',
      'domain-is-plain-typescript',
      'only-the-store-touches-dynamodb',
      'cdk-app-imports-only-the-contract',
      'functions-are-isolated',
      'shared-code-imports-no-function',
      'runner-loads-functions-by-entry-only',
      'cli-is-an-api-client',
    ]);
    const allowed = [
      'cli/reads-the-contract.ts',
      'local/names-a-client-type.ts',
      'lambdas/sender/own-module.ts',
      'lambdas/graphql/uses-core.ts',
    ];
    expect(violations.filter((v) => allowed.includes(v.from))).toEqual([]);
    expect(violations.filter((v) => !expected.has(v.rule.name))).toEqual([]);
  });
});
