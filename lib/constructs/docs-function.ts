import type { RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { DOCS_FILES } from '../../lambdas/contract/docs-files.js';
import { environmentOf } from '../../lambdas/contract/setting-sources.js';
import { ProjectFunction } from './project-function.js';

/** Where the docs function finds its files (DOCS_FILES): copied next to the handler at bundling time. */
export const DOCS_ASSETS_DIR = '/var/task';

export interface DocsFunctionProps {
  readonly removalPolicy: RemovalPolicy;
  readonly logEncryptionKey?: IKey;
}

/**
 * GET /openapi.json, /docs and /docs/{asset}: a function of its own, so Swagger UI's 2 MB and
 * GraphiQL's 9 MB of browser files stay out of the ingest and graphql bundles. It is bound to nothing:
 * no table, no queue, no bucket.
 */
export class DocsFunction extends Construct {
  readonly docs: ProjectFunction;

  constructor(scope: Construct, id: string, props: DocsFunctionProps) {
    super(scope, id);
    this.docs = new ProjectFunction(this, 'Docs', {
      function: 'docs',
      description: 'Serves the OpenAPI document, Swagger UI and GraphiQL files',
      // Gzipping a file once per container, on first use, is the only real work (0.1 s of a full
      // vCPU for the largest, GraphiQL's 5.3 MB bundle; under a second at this size).
      memorySize: 256,
      environment: environmentOf({ docsAssetsDir: DOCS_ASSETS_DIR }),
      // Only the files the pages load, as files beside the handler: never inlined into the JavaScript.
      bundledFiles: DOCS_FILES.map((file) => ({
        from: `node_modules/${file.packageName}/${file.path}`,
        to: file.name,
      })),
      removalPolicy: props.removalPolicy,
      ...(props.logEncryptionKey ? { logEncryptionKey: props.logEncryptionKey } : {}),
    });
  }
}
