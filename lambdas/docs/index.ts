import { docsConfig } from '../config/function-config.js';
import { bundledFileOf, packagedFileOf } from '../ingest/docs-files.js';
import { createDocsHandler } from '../ingest/docs-handler.js';

const config = docsConfig(process.env);

/** Swagger UI, GraphiQL's files and the OpenAPI document; no AWS client, no data. */
export const handler = createDocsHandler({
  fileOf:
    'nodeModulesDir' in config ? packagedFileOf(config.nodeModulesDir) : bundledFileOf(config.assetsDir),
});
