// First: before any handler module loads (see the file).
import './untraced-process.js';
import { relative } from 'node:path';
import { localConfig } from './local-config.js';
import { startLocalPipeline } from './runner.js';

/** `npm start`: the whole pipeline on this machine, no AWS account, no prompts. */
const config = localConfig(process.env);
const pipeline = await startLocalPipeline(config);

const example = relative(process.cwd(), 'example_csv/campaign.csv');
console.log(`
Campaign mailer running locally (data in ${config.dataDir}/)

  Health:       ${pipeline.apiUrl}/health
  Upload:       POST ${pipeline.uploadUrl}
  Large files:  POST ${pipeline.apiUrl}/campaigns/uploads {"size": <bytes>}  (then PUT the CSV to the uploadUrl it returns)
  Swagger UI:   ${pipeline.docsUrl}  (OpenAPI: ${pipeline.apiUrl}/openapi.json)
  GraphQL:      ${pipeline.graphqlUrl}
  Mail viewer:  ${pipeline.mailViewerUrl ?? `(external SES at ${pipeline.endpoints.sesv2})`}

  API key:      upload + read, on the last line ${process.env.LOCAL_API_KEY ? '(from LOCAL_API_KEY)' : '(new at every start; set LOCAL_API_KEY to keep one)'}

Try it, with KEY set to that key:
  curl -H "x-api-key: $KEY" -F file=@${example} ${pipeline.uploadUrl}

  curl -s ${pipeline.graphqlUrl} -H "x-api-key: $KEY" -H 'content-type: application/json' \\
    -d '{"query":"query MyQuery { emailSends(status: \\"SENT\\") { sendId batchId email subject status createdAt } }"}'

API: ${pipeline.apiUrl}
API key: ${pipeline.apiKey}
`);
// The key is printed once, above, and written nowhere else: no log line holds it (core/observability/logger.ts).

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) process.exit(1);
    stopping = true;
    await pipeline.stop();
    process.exit(0);
  });
}
