import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { resourceNamed, synthStack } from '../helpers/synth-stack.js';

let template: Template;
beforeAll(() => {
  template = synthStack().template;
});

const stage = (t: Template) => resourceNamed(t, 'AWS::ApiGatewayV2::Stage', 'DefaultStage').properties;
const api = (t: Template) => resourceNamed(t, 'AWS::ApiGatewayV2::Api', 'HttpApi').properties;

describe('the HTTP API default stage', () => {
  it('is the only stage, deployed automatically', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    expect(stage(template)).toMatchObject({ StageName: '$default', AutoDeploy: true });
  });

  it('throttles every route to 50 requests per second with bursts of 100 by default', () => {
    expect(stage(template).DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
    });
  });

  it('takes its throttling from context', () => {
    const { template: custom } = synthStack({ apiThrottleRate: '5', apiThrottleBurst: '10' });
    expect(stage(custom).DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
    expect(() => synthStack({ apiThrottleRate: '0' })).toThrow(/apiThrottleRate/);
  });

  it('writes one JSON access log line per request to its own encrypted log group', () => {
    const { AccessLogSettings: settings } = stage(template) as {
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [string, string] }; Format: string };
    };
    const logGroup = resourceNamed(template, 'AWS::Logs::LogGroup', 'ApiAccessLogs');
    expect(settings.DestinationArn).toEqual({ 'Fn::GetAtt': [logGroup.id, 'Arn'] });
    expect(logGroup.properties).toEqual({
      RetentionInDays: 30,
      KmsKeyId: { 'Fn::GetAtt': [resourceNamed(template, 'AWS::KMS::Key', 'OperationsKey').id, 'Arn'] },
    });
    expect(JSON.parse(settings.Format)).toEqual({
      requestId: '$context.requestId',
      requestTime: '$context.requestTime',
      ip: '$context.identity.sourceIp',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLength: '$context.responseLength',
      responseLatency: '$context.responseLatency',
      integrationError: '$context.integrationErrorMessage',
    });
  });

  it('never logs the query string, headers or body of a request', () => {
    const { Format: format } = (stage(template) as { AccessLogSettings: { Format: string } })
      .AccessLogSettings;
    for (const variable of ['querystring', 'path', 'header', 'body', 'identity.apiKey', 'authorizer']) {
      expect(format).not.toContain(`$context.${variable}`);
    }
    expect(format).not.toContain('$input');
  });
});

describe('CORS', () => {
  it('is not configured at all by default', () => {
    expect(api(template).CorsConfiguration).toBeUndefined();
  });

  it('allows exactly the configured origins, comma-separated, with the API key headers', () => {
    const { template: cors } = synthStack({
      corsOrigins: 'https://app.example.com, http://localhost:5173',
    });
    expect(api(cors).CorsConfiguration).toEqual({
      AllowOrigins: ['https://app.example.com', 'http://localhost:5173'],
      AllowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
      AllowHeaders: ['content-type', 'x-api-key', 'idempotency-key'],
      AllowCredentials: false,
      MaxAge: 3600,
    });
  });

  it('accepts the origins as a JSON array, from cdk.json or as a string', () => {
    for (const corsOrigins of [['https://app.example.com'], '["https://app.example.com"]']) {
      const { template: cors } = synthStack({ corsOrigins });
      expect(api(cors).CorsConfiguration).toMatchObject({ AllowOrigins: ['https://app.example.com'] });
    }
  });
});
