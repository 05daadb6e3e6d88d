import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { API_ROUTES, type ApiFunction, DOCS_PATH } from '../lambdas/contract/api-routes.js';
import { entryOf, type FunctionId } from '../lambdas/contract/functions.js';
import {
  EVENTS_QUEUE,
  PRIORITY_SEND_QUEUE,
  SEND_QUEUE,
  WRITE_QUEUE,
} from '../lambdas/contract/queue-settings.js';
import { environmentOf } from '../lambdas/contract/setting-sources.js';
import { UPLOAD_KEY_PREFIX, UPLOAD_KEY_SUFFIX } from '../lambdas/contract/upload-object.js';
import { ApiKeyStore } from '../lambdas/core/store/api-key-store.js';
import { ensureTable } from '../lambdas/core/store/table-provisioning.js';
import { campaignConsole } from './campaign-console.js';
import { ensureDevelopmentKey } from './development-key.js';
import { type RunningEmulators, type RunningS3, startEmulators } from './emulators.js';
import { type HttpHandler, portOf, type Route, startHttpGateway } from './http-gateway.js';
import { lambdaContext } from './lambda-context.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localClients } from './local-clients.js';
import type { LocalConfig } from './local-config.js';
import { ensureQueues } from './provision.js';
import { removeRunnerState, writeRunnerState } from './runner-state.js';
import { startSchedulerEmulator } from './scheduler-emulator.js';
import { startSesEventSimulator } from './ses-event-simulator.js';
import { type EventSource, type SqsHandler, startSqsEventSource } from './sqs-event-source.js';
import { ensureUnsubscribeSecret } from './unsubscribe-secret.js';

export interface LocalPipeline {
  apiUrl: string;
  graphqlUrl: string;
  uploadUrl: string;
  /** Swagger UI. */
  docsUrl: string;
  mailViewerUrl?: string;
  endpoints: RunningEmulators['endpoints'];
  tableName: string;
  queueUrl: string;
  writeQueueUrl: string;
  /** A key with every scope, for the developer (LOCAL_API_KEY when set). */
  apiKey: string;
  stop(): Promise<void>;
}

/** Nothing local mode does may reach a real AWS endpoint. */
function assertNotRealAws(endpoints: RunningEmulators['endpoints']) {
  for (const [service, url] of Object.entries(endpoints)) {
    if (/amazonaws\.com|\.aws$/i.test(new URL(url).hostname)) {
      throw new Error(`local mode refuses to use a real AWS endpoint for ${service}: ${url}`);
    }
  }
}

/**
 * Points the handlers' environment at the emulators before their modules load, exactly as the CDK
 * stack's environment does on Lambda. Credentials are fake and every other AWS endpoint is a dead
 * local port, so local mode fails closed rather than reach a real account.
 */
function setFunctionEnvironment(
  config: LocalConfig,
  endpoints: RunningEmulators['endpoints'],
  queues: { queueUrl: string; priorityQueueUrl: string; writeQueueUrl: string },
  /** The SES endpoint of the functions: the event simulator in front of the emulator. */
  sesEndpoint: string,
) {
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_SESSION_TOKEN;
  // The key of the unsubscribe links is local (UNSUBSCRIBE_SECRET); an ARN would send the functions to
  // a Secrets Manager there is none of.
  delete process.env.UNSUBSCRIBE_SECRET_ARN;
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
    AWS_ENDPOINT_URL_SESV2: sesEndpoint,
    // Warnings and errors in full; the rest with LOG_LEVEL=debug (or info).
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? process.env.LOG_LEVEL?.toUpperCase() ?? 'WARN',
    // Metrics would print CloudWatch's embedded format to the console; nothing reads it here.
    POWERTOOLS_METRICS_DISABLED: 'true',
    // Under the schema's names, as the stack passes them (MAX_SEND_RATE and DRY_RUN, when set in this
    // process's environment, reach the sender unchanged, as on AWS).
    ...environmentOf({
      tableName: config.tableName,
      queueUrl: queues.queueUrl,
      priorityQueueUrl: queues.priorityQueueUrl,
      writeQueueUrl: queues.writeQueueUrl,
      senderEmail: config.senderEmail,
      // As the stack does: the configuration set whose events the simulator publishes.
      sesConfigurationSet: LOCAL_CONFIGURATION_SET,
      sendLeaseSeconds: config.leaseSeconds,
      // The sender shares its rate among as many senders as the event source below runs at once.
      senderMaxConcurrency: config.senderConcurrency,
      defaultSendRate: config.defaultSendRate,
      // Off: local-aws-sqs counts a ChangeMessageVisibility as one more receive, so a delayed retry
      // would reach the DLQ after two deliveries instead of three (README "Sending rate and dry runs").
      retryBackoffSeconds: 0,
      sweepStalledAfterSeconds: config.sweepStalledAfterSeconds,
      graphqlSchemaPath: config.graphqlSchemaPath ?? resolve('graphql/schema.graphql'),
      apiKeyCacheSeconds: config.apiKeyCacheSeconds,
    }),
  });
}

/**
 * Runs the whole pipeline in this process: emulators (or the external endpoints given), the table and
 * queues built from the same definitions as the CDK stack, the HTTP API, the SQS event source that
 * drives the sender, and the sweeper on a timer. One pipeline per process: the handler modules are
 * loaded once, as in a Lambda container.
 */
export async function startLocalPipeline(config: LocalConfig): Promise<LocalPipeline> {
  const emulators = await startEmulators({
    host: config.host,
    dataDir: resolve(config.dataDir, 'dynamodb'),
    sesPort: config.sesPort,
    external: config.external,
    s3: { bucket: LOCAL_UPLOAD_BUCKET, dataDir: resolve(config.dataDir, 's3') },
  });
  const cleanups: (() => Promise<void>)[] = [() => emulators.stop()];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };
  try {
    assertNotRealAws(emulators.endpoints);
    const clients = localClients(emulators.endpoints);
    cleanups.push(async () => clients.destroy());
    await ensureTable(clients.dynamodb, config.tableName);
    const {
      queueUrl,
      deadLetterQueueUrl,
      priorityQueueUrl,
      priorityDeadLetterQueueUrl,
      writeQueueUrl,
      eventsQueueUrl,
    } = await ensureQueues(clients.sqs, { visibilityTimeoutSeconds: config.visibilityTimeoutSeconds });
    // SES's event publishing and EventBridge's rule: the functions reach SES through it.
    const sesEvents = await startSesEventSimulator({
      target: emulators.endpoints.sesv2,
      host: config.host,
      sqs: clients.sqs,
      queueUrl: eventsQueueUrl,
      configurationSet: LOCAL_CONFIGURATION_SET,
      onError: (error) => console.error('local SES events:', error),
    });
    cleanups.push(() => sesEvents.stop());
    const s3 = emulators.s3;
    if (s3 === undefined) throw new Error('the local pipeline needs the S3 stand-in for campaign files');
    setFunctionEnvironment(
      config,
      emulators.endpoints,
      { queueUrl, priorityQueueUrl, writeQueueUrl },
      sesEvents.endpoint,
    );
    // EventBridge Scheduler's part: scheduled batches' starts reach the write queue at their time.
    const scheduler = await startSchedulerEmulator(clients.sqs, { host: config.host });
    cleanups.push(() => scheduler.stop());
    const { Attributes: writeQueue } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: writeQueueUrl, AttributeNames: ['QueueArn'] }),
    );
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SCHEDULER: scheduler.endpoint,
      ...environmentOf({
        scheduleGroup: 'campaign-mailer-local',
        scheduleQueueArn: String(writeQueue?.QueueArn),
        // Not checked locally: on AWS, the role the stack lets EventBridge Scheduler assume.
        scheduleRoleArn: 'arn:aws:iam::000000000000:role/campaign-mailer-local-scheduler',
      }),
    });
    setFileEnvironment(s3);
    // The key of the unsubscribe links, kept in the data directory (Secrets Manager's part on AWS).
    Object.assign(
      process.env,
      environmentOf({ unsubscribeSecret: ensureUnsubscribeSecret(config.dataDir, config.unsubscribeSecret) }),
    );
    writeRunnerState(config.dataDir, {
      pid: process.pid,
      dynamodbEndpoint: emulators.endpoints.dynamodb,
      tableName: config.tableName,
      sqsEndpoint: emulators.endpoints.sqs,
      queueUrl,
      deadLetterQueueUrl,
      priorityQueueUrl,
      priorityDeadLetterQueueUrl,
    });
    cleanups.push(async () => removeRunnerState(config.dataDir));

    const http = (id: ApiFunction) => loadHandler<HttpHandler>(id);
    const sweeper = await loadHandler<SweeperHandler>('sweeper');
    const writer = await loadHandler<SqsHandler>('writer');
    const sesEventsHandler = await loadHandler<SqsHandler>('events');

    const apiKey = await ensureDevelopmentKey(
      new ApiKeyStore(clients.documents, config.tableName),
      config.apiKey,
      new Date(),
    );
    // GraphiQL's page holds the development key in local mode, so that "run" works at once (the graphql
    // function is loaded below, after this).
    Object.assign(process.env, environmentOf({ graphiqlApiKey: apiKey }));
    // One line per upload and per finished batch, the progress asked of the API with this key.
    const campaigns = campaignConsole({ apiKey });
    cleanups.push(() => campaigns.stop());

    const writes: EventSource = startSqsEventSource({
      sqs: clients.sqs,
      queueUrl: writeQueueUrl,
      handler: campaigns.watchWriter(writer),
      functionName: 'writer',
      batchSize: WRITE_QUEUE.batchSize,
      concurrency: config.writerConcurrency,
      onError: (error) => console.error('local write queue:', error),
    });
    cleanups.push(() => writes.stop());
    const eventsSource: EventSource = startSqsEventSource({
      sqs: clients.sqs,
      queueUrl: eventsQueueUrl,
      handler: sesEventsHandler,
      functionName: 'events',
      batchSize: EVENTS_QUEUE.batchSize,
      concurrency: 2,
      onError: (error) => console.error('local events queue:', error),
    });
    cleanups.push(() => eventsSource.stop());

    // One sweep at a time: the recovery after a restart or the timer's (both below, once the API serves).
    let sweeping = false;
    let stopping = false;
    cleanups.push(async () => {
      stopping = true;
    });
    const sweep = async (event: { recoverAll?: boolean }, what: string) => {
      if (sweeping) return;
      sweeping = true;
      try {
        await sweeper(event, lambdaContext('sweeper'));
      } catch (error) {
        // Failures of a sweep cut short by the runner stopping are the stop's, not the sweep's.
        if (!stopping) console.error(`local sweeper (${what}):`, error);
      } finally {
        sweeping = false;
      }
    };

    // S3's notification of the bucket: each uploaded campaign file's event goes on the write queue.
    s3.onEvent((event) => {
      const uploads = event.Records.filter(
        (record) =>
          record.s3.object.key.startsWith(UPLOAD_KEY_PREFIX) &&
          record.s3.object.key.endsWith(UPLOAD_KEY_SUFFIX),
      );
      if (uploads.length === 0) return;
      clients.sqs
        .send(
          new SendMessageCommand({
            QueueUrl: writeQueueUrl,
            MessageBody: JSON.stringify({ Records: uploads }),
          }),
        )
        .catch((error: unknown) => console.error('local S3 notification:', error));
    });

    // Every route of API_ROUTES, as the stack routes them, /health included: its function answers on the
    // path alone and for GET only, as on AWS.
    const handlers = new Map<ApiFunction, HttpHandler>();
    for (const route of API_ROUTES) {
      if (handlers.has(route.fn)) continue;
      const handler = await http(route.fn);
      handlers.set(route.fn, route.fn === 'uploadApi' ? campaigns.watchUploads(handler) : handler);
    }
    const routes: Route[] = API_ROUTES.flatMap((route) => {
      const handler = handlers.get(route.fn);
      return handler === undefined
        ? []
        : [{ method: route.method, path: route.path, functionName: route.fn, handler }];
    });
    const server: Server = await startHttpGateway(routes, {
      host: config.host,
      port: config.port,
      cors: { allowOrigins: config.corsOrigins },
    });
    cleanups.push(
      () =>
        new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
    );
    const apiUrl = `http://${config.host}:${portOf(server)}`;

    // The sender, once the API's URL is known: its mails' unsubscribe links point there (or to the URL
    // chosen in UNSUBSCRIBE_BASE_URL, a tunnel a phone can reach, say).
    Object.assign(process.env, environmentOf({ unsubscribeBaseUrl: config.unsubscribeBaseUrl ?? apiUrl }));
    const sender = await loadHandler<SqsHandler>('sender');
    // Two event sources, as on AWS: the send queue and the high-priority one, each with as many senders.
    for (const [source, batchSize] of [
      [queueUrl, SEND_QUEUE.batchSize],
      [priorityQueueUrl, PRIORITY_SEND_QUEUE.batchSize],
    ] as const) {
      const events: EventSource = startSqsEventSource({
        sqs: clients.sqs,
        queueUrl: source,
        handler: sender,
        functionName: 'sender',
        batchSize,
        concurrency: config.senderConcurrency,
        onError: (error) => console.error('local event source:', error),
      });
      cleanups.push(() => events.stop());
    }
    // A fresh embedded queue has lost whatever was on it when the last run stopped: every send not yet
    // finished goes back on it, in the background, as the API already serves (after a crash with
    // thousands of unfinished sends, this takes tens of seconds). An external queue kept its messages,
    // so only the usual thresholds apply.
    if (config.external.sqs === undefined) void sweep({ recoverAll: true }, 'recovery of unfinished sends');
    // Started after the recovery, which it must not take the turn of: a timer's sweep skips while it runs.
    const timer = setInterval(() => void sweep({}, 'timer'), config.sweepIntervalSeconds * 1000);
    cleanups.push(async () => clearInterval(timer));

    campaigns.connect(apiUrl);
    return {
      apiUrl,
      uploadUrl: `${apiUrl}/campaigns/upload`,
      docsUrl: `${apiUrl}${DOCS_PATH}`,
      graphqlUrl: `${apiUrl}/graphql`,
      ...(emulators.mailViewerUrl ? { mailViewerUrl: emulators.mailViewerUrl } : {}),
      endpoints: emulators.endpoints,
      tableName: config.tableName,
      queueUrl,
      writeQueueUrl,
      apiKey,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The bucket large campaign files are PUT into, in the local S3 stand-in. */
export const LOCAL_UPLOAD_BUCKET = 'campaign-uploads';

/** The SES configuration set the sender sends with locally, whose events the simulator publishes. */
export const LOCAL_CONFIGURATION_SET = 'campaign-mailer-local';

type SweeperHandler = (
  event: { recoverAll?: boolean },
  context: ReturnType<typeof lambdaContext>,
) => Promise<void>;

/**
 * A function's `handler`, loaded from its entry module (the one the stack bundles) as a Lambda container
 * loads it: once, after the environment is set.
 */
async function loadHandler<H>(id: FunctionId): Promise<H> {
  const module = (await import(new URL(`../${entryOf(id)}`, import.meta.url).href)) as { handler: H };
  return module.handler;
}

/**
 * The campaign files and the docs function, pointed at the local S3 stand-in and at the node_modules
 * that holds swagger-ui-dist and @graphql-yoga/graphiql (what the stack copies into the bundle).
 */
function setFileEnvironment(s3: RunningS3) {
  const require = createRequire(import.meta.url);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    ...environmentOf({
      uploadBucket: s3.bucket,
      // s3rver has no per-bucket host names.
      s3ForcePathStyle: true,
      docsNodeModulesDir: dirname(dirname(require.resolve('swagger-ui-dist/package.json'))),
    }),
  });
}
