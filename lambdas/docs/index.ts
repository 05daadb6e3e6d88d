import { docsConfig } from '../config/function-config.js';
import { createDocsHandler } from '../ingest/docs-handler.js';

const config = docsConfig(process.env);

/** Swagger UI and the OpenAPI document; no AWS client, no data. */
export const handler = createDocsHandler({ assetsDir: config.assetsDir });
