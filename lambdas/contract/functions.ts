/**
 * The deployed functions: the folder that holds each one's code (entry `index.ts`, handler and the logic
 * only it uses), the name its logs and metrics carry, and its timeout. The CDK stack bundles exactly
 * these entries with these timeouts, the local runner loads exactly these entries and gives each
 * invocation the same time, and a test checks that every folder under lambdas/ but core/ and contract/
 * is one of them.
 */
export interface FunctionDefinition {
  /** Folder under lambdas/. */
  readonly folder: string;
  /**
   * POWERTOOLS_SERVICE_NAME: the `service` field of its log lines and the `service` dimension of its
   * metrics, which the alarms and the dashboard select on.
   */
  readonly serviceName: string;
  /** Lambda's timeout; the local runner gives each invocation the same time. */
  readonly timeoutSeconds: number;
}

export const FUNCTIONS = {
  /**
   * POST /campaigns/upload: reads, validates and records an uploaded CSV. The HTTP API gives up after
   * 30 s; working past that would only hide the failure from the client.
   */
  uploadApi: { folder: 'upload-api', serviceName: 'upload-api', timeoutSeconds: 29 },
  /** POST /campaigns/uploads: pre-signed S3 URLs for large files. */
  uploadUrl: { folder: 'upload-url', serviceName: 'upload-url', timeoutSeconds: 10 },
  /**
   * The write queue (S3's events of uploaded files, and its own continuations): writes a file's sends and
   * puts them on the send queue, a chunk at a time, for up to Lambda's 15 minutes per invocation.
   */
  writer: { folder: 'writer', serviceName: 'writer', timeoutSeconds: 900 },
  /** GET /campaigns/{batchId}: where a batch is, for marketers polling with curl. */
  campaigns: { folder: 'campaigns', serviceName: 'campaigns', timeoutSeconds: 10 },
  /** GET /openapi.json, /docs, /docs/{asset}. */
  docs: { folder: 'docs', serviceName: 'docs', timeoutSeconds: 10 },
  /** GET and POST /graphql. */
  graphql: { folder: 'graphql', serviceName: 'graphql', timeoutSeconds: 15 },
  /** SQS email_send_queue: mails each send through SES. */
  sender: { folder: 'sender', serviceName: 'sender', timeoutSeconds: 30 },
  /**
   * The events queue (SES's events through EventBridge): moves each send by its event and adds hard
   * bounces and complaints to the suppression list.
   */
  events: { folder: 'events', serviceName: 'events', timeoutSeconds: 30 },
  /**
   * Every five minutes: puts sends a crash left behind back on the queue. Well inside the schedule's
   * five minutes, so that two runs do not overlap.
   */
  sweeper: { folder: 'sweeper', serviceName: 'sweeper', timeoutSeconds: 120 },
  /**
   * GET, PUT and DELETE of /suppressions, and POST /suppressions/import: the project's suppression list.
   * An import of the largest file taken is answered within the HTTP API's 30 s.
   */
  suppressions: { folder: 'suppressions', serviceName: 'suppressions', timeoutSeconds: 29 },
  /** GET /health. */
  health: { folder: 'health', serviceName: 'health', timeoutSeconds: 5 },
  /** GET and POST /unsubscribe/{token}: a recipient's one-click unsubscribe (RFC 8058). */
  unsubscribe: { folder: 'unsubscribe', serviceName: 'unsubscribe', timeoutSeconds: 10 },
} as const satisfies Record<string, FunctionDefinition>;

export type FunctionId = keyof typeof FUNCTIONS;

/** The entry module of a function, relative to the repository root: it exports `handler`. */
export const entryOf = (id: FunctionId): string => `lambdas/${FUNCTIONS[id].folder}/index.ts`;
