import { bundledFileOf, packagedFileOf } from '../contract/docs-files.js';
import { docsConfig } from '../core/config/function-config.js';
import { createDocsHandler } from './handler.js';

const config = docsConfig(process.env);

/** Swagger UI, GraphiQL's files and the OpenAPI document; no AWS client, no data. */
export const handler = createDocsHandler({
  fileOf:
    'nodeModulesDir' in config ? packagedFileOf(config.nodeModulesDir) : bundledFileOf(config.assetsDir),
});
