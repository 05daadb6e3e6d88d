import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

export const UPLOAD_PATH = '/campaigns/upload';
export const GRAPHQL_PATH = '/graphql';

export interface ApiProps {
  readonly stage: string;
  readonly ingest: IFunction;
  readonly graphql: IFunction;
}

/** The public HTTP API (payload format 2.0, the event shape the local runner builds too). */
export class Api extends Construct {
  readonly httpApi: HttpApi;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: `campaign-mailer-${props.stage}`,
      description: 'Campaign uploads and send-status queries',
    });
    this.httpApi.addRoutes({
      path: UPLOAD_PATH,
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('Ingest', props.ingest),
    });
    // GET serves GraphiQL and query-string queries, POST the usual JSON queries.
    this.httpApi.addRoutes({
      path: GRAPHQL_PATH,
      methods: [HttpMethod.GET, HttpMethod.POST],
      integration: new HttpLambdaIntegration('Graphql', props.graphql),
    });
  }

  /** Base URL of the default stage, without a trailing slash. */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}
