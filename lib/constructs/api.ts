import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  type CorsPreflightOptions,
  HttpApi,
  HttpMethod,
  type HttpRoute,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export const UPLOAD_PATH = '/campaigns/upload';
export const GRAPHQL_PATH = '/graphql';
export const HEALTH_PATH = '/health';
export const DOCS_PATH = '/docs';

/** Request headers a browser may send cross-origin: the body type, the API key, the upload's idempotency key. */
export const CORS_ALLOWED_HEADERS = ['content-type', 'x-api-key', 'idempotency-key'] as const;

/**
 * One JSON object per request. It names the request, the caller's IP and the route, never the query
 * string, headers or body, which may carry API keys, addresses or campaign content.
 */
export const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationError: '$context.integrationErrorMessage',
} as const;

export interface ApiProps {
  readonly stage: string;
  readonly ingest: IFunction;
  readonly graphql: IFunction;
  readonly health: IFunction;
  /** Steady-state requests per second and burst of the default stage. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Browser origins allowed to call the API; empty for no CORS configuration at all. */
  readonly corsOrigins: readonly string[];
  readonly removalPolicy: RemovalPolicy;
  readonly logEncryptionKey?: IKey;
}

const PROTECTED_ROUTE_REASON =
  'API keys are checked in the function by a shared middleware (hashed keys with scopes in DynamoDB), identically in local mode; GET /health is the only public route.';
const PUBLIC_ROUTE_REASON =
  'GET /health is public by design: a liveness probe whose function has no permission beyond its own log group and answers a constant {"status":"ok"}.';

/** The public HTTP API (payload format 2.0, the event shape the local runner builds too). */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `campaign-mailer-${props.stage}`,
      description: 'Campaign uploads and send-status queries',
      // The default stage is created below with throttling and access logs, which HttpApi's own lacks.
      createDefaultStage: false,
      ...(props.corsOrigins.length > 0 ? { corsPreflight: corsFor(props.corsOrigins) } : {}),
    });

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: props.removalPolicy,
      ...(props.logEncryptionKey ? { encryptionKey: props.logEncryptionKey } : {}),
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    const routes = (path: string, methods: HttpMethod[], name: string, fn: IFunction): HttpRoute[] =>
      this.httpApi.addRoutes({ path, methods, integration: new HttpLambdaIntegration(name, fn) });
    const protectedRoutes = [
      ...routes(UPLOAD_PATH, [HttpMethod.POST], 'Ingest', props.ingest),
      // GET serves GraphiQL and query-string queries, POST the usual JSON queries.
      ...routes(GRAPHQL_PATH, [HttpMethod.GET, HttpMethod.POST], 'Graphql', props.graphql),
    ];
    const publicRoutes = routes(HEALTH_PATH, [HttpMethod.GET], 'Health', props.health);
    for (const route of protectedRoutes) {
      Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: PROTECTED_ROUTE_REASON });
    }
    for (const route of publicRoutes) {
      Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason: PUBLIC_ROUTE_REASON });
    }
  }

  /** Base URL of the default stage, without a trailing slash. */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}

function corsFor(origins: readonly string[]): CorsPreflightOptions {
  return {
    allowOrigins: [...origins],
    allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST],
    allowHeaders: [...CORS_ALLOWED_HEADERS],
    allowCredentials: false,
    maxAge: Duration.hours(1),
  };
}
