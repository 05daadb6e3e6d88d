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
import { CORS_POLICY } from '../../lambdas/contract/api-cors.js';
import { API_ROUTES, type ApiFunction } from '../../lambdas/contract/api-routes.js';

// The paths live with the route list that the stack, the local runner and the OpenAPI document share.
export { DOCS_PATH, GRAPHQL_PATH, HEALTH_PATH, UPLOAD_PATH } from '../../lambdas/contract/api-routes.js';

/** Request headers a browser may send cross-origin (the contract's CORS policy, which the local runner follows too). */
export const CORS_ALLOWED_HEADERS = CORS_POLICY.allowHeaders;

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
  readonly uploadApi: IFunction;
  /** GET /campaigns/{batchId}. */
  readonly campaigns: IFunction;
  readonly graphql: IFunction;
  readonly health: IFunction;
  /** POST /campaigns/uploads: pre-signed URLs for large files. */
  readonly uploadUrl: IFunction;
  /** GET /openapi.json, /docs and /docs/{asset}. */
  readonly docs: IFunction;
  /** GET /suppressions, PUT and DELETE /suppressions/{email}, POST /suppressions/import. */
  readonly suppressions: IFunction;
  /** GET and POST /unsubscribe/{token}. */
  readonly unsubscribe: IFunction;
  /** Steady-state requests per second and burst of the default stage. */
  readonly throttle: { readonly rateLimit: number; readonly burstLimit: number };
  /** Browser origins allowed to call the API; empty for no CORS configuration at all. */
  readonly corsOrigins: readonly string[];
  readonly removalPolicy: RemovalPolicy;
  readonly logEncryptionKey?: IKey;
}

const PROTECTED_ROUTE_REASON =
  "API keys are checked in the function by a shared middleware (hashed keys with scopes in DynamoDB), identically in local mode; only GET /health and the documentation routes (/docs, /openapi.json) are public, and GraphiQL's page at GET /graphql is static HTML whose queries need a key.";
const PUBLIC_ROUTE_REASONS: Partial<Record<ApiFunction, string>> = {
  health:
    'GET /health is public by design: a liveness probe whose function has no permission beyond its own log group and answers a constant {"status":"ok"}.',
  docs: 'The API documentation (OpenAPI document, Swagger UI page and its static assets) is public by design: its function has no permission beyond its own log group and serves only files built into it.',
  unsubscribe:
    "The unsubscribe link of a campaign mail is public by design: RFC 8058 has the recipient's mail client POST it without any credential. The signed token in its path (an HMAC-SHA256 of one send under a secret key) is its credential, checked in constant time before anything is read; it unsubscribes only the address that send was mailed to.",
};

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

    // Every route of API_ROUTES, the list the local runner serves and the OpenAPI document describes;
    // one integration per function.
    const functions: Record<ApiFunction, { name: string; fn: IFunction }> = {
      uploadApi: { name: 'UploadApi', fn: props.uploadApi },
      uploadUrl: { name: 'UploadUrl', fn: props.uploadUrl },
      campaigns: { name: 'Campaigns', fn: props.campaigns },
      graphql: { name: 'Graphql', fn: props.graphql },
      health: { name: 'Health', fn: props.health },
      docs: { name: 'Docs', fn: props.docs },
      suppressions: { name: 'Suppressions', fn: props.suppressions },
      unsubscribe: { name: 'Unsubscribe', fn: props.unsubscribe },
    };
    const integrations = new Map<ApiFunction, HttpLambdaIntegration>();
    for (const route of API_ROUTES) {
      const target = functions[route.fn];
      let integration = integrations.get(route.fn);
      if (!integration) {
        integration = new HttpLambdaIntegration(target.name, target.fn);
        integrations.set(route.fn, integration);
      }
      const added: HttpRoute[] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
      });
      const publicReason = PUBLIC_ROUTE_REASONS[route.fn];
      if (route.access === 'public' && publicReason === undefined) {
        throw new Error(`public route ${route.method} ${route.path} has no stated reason`);
      }
      for (const httpRoute of added) {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: route.access === 'public' ? (publicReason as string) : PROTECTED_ROUTE_REASON,
        });
      }
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
    allowMethods: CORS_POLICY.allowMethods.map((method) => CorsHttpMethod[method]),
    allowHeaders: [...CORS_POLICY.allowHeaders],
    allowCredentials: CORS_POLICY.allowCredentials,
    maxAge: Duration.seconds(CORS_POLICY.maxAgeSeconds),
  };
}
