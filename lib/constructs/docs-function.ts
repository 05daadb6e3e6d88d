import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { SWAGGER_UI_FILES } from '../../lambdas/ingest/api-routes.js';
import { ProjectFunction } from './project-function.js';

/** Where the docs function finds Swagger UI's files: copied next to the handler at bundling time. */
export const DOCS_ASSETS_DIR = '/var/task';
export const DOCS_SERVICE_NAME = 'docs';

export interface DocsFunctionProps {
  readonly removalPolicy: RemovalPolicy;
  readonly logEncryptionKey?: IKey;
}

/**
 * GET /openapi.json, /docs and /docs/{asset}: a function of its own, so Swagger UI's 2 MB of assets
 * stay out of the ingest bundle. It is bound to nothing: no table, no queue, no bucket.
 */
export class DocsFunction extends Construct {
  readonly docs: ProjectFunction;

  constructor(scope: Construct, id: string, props: DocsFunctionProps) {
    super(scope, id);
    this.docs = new ProjectFunction(this, 'Docs', {
      entry: 'lambdas/docs/index.ts',
      serviceName: DOCS_SERVICE_NAME,
      description: 'Serves the OpenAPI document and Swagger UI',
      // Gzipping the 1.7 MB Swagger UI bundle once per container is the only real work.
      memorySize: 256,
      timeout: Duration.seconds(10),
      environment: { DOCS_ASSETS_DIR },
      // Only the files the page loads, as files beside the handler: never inlined into the JavaScript.
      bundledFiles: SWAGGER_UI_FILES.map((file) => ({
        from: `node_modules/swagger-ui-dist/${file}`,
        to: file,
      })),
      removalPolicy: props.removalPolicy,
      ...(props.logEncryptionKey ? { logEncryptionKey: props.logEncryptionKey } : {}),
    });
  }
}
