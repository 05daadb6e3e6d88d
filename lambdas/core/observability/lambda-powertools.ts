import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { logger } from './logger.js';
import { metrics } from './metrics.js';
import { tracer } from './tracer.js';

/** API Gateway's request id, which the client also sees: the correlation id of an HTTP request. */
function httpRequestIdOf(event: unknown): string | undefined {
  const context = (event as { requestContext?: { requestId?: unknown } } | null)?.requestContext;
  return typeof context?.requestId === 'string' ? context.requestId : undefined;
}

/**
 * Flushes the invocation's metrics as it ends, when it added any. Powertools' own logMetrics flushes
 * always, and a flush with nothing in it warns "No application metrics to publish": most of our
 * invocations add none (every request to the docs, health and graphql functions), so that warning
 * would be one CloudWatch line per request on AWS and one console line per call locally.
 */
function publishMetricsIfAny(metrics: Metrics): middy.MiddlewareObj {
  const publish = async () => {
    if (metrics.hasStoredMetrics()) {
      metrics.publishStoredMetrics();
    } else {
      // What a flush would have reset, so that nothing carries over into the next invocation.
      metrics.clearDimensions();
      metrics.clearMetadata();
    }
  };
  return { after: publish, onError: publish };
}

/**
 * What every deployed handler gets: a trace segment, the invocation's context (and correlation id) on
 * every log line, and its metrics flushed when it returns.
 */
export function withPowertools<TEvent, TResult>(
  handler: (event: TEvent, context: Context) => Promise<TResult>,
) {
  return middy(handler)
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use({
      before: (request) => {
        const requestId = httpRequestIdOf(request.event);
        if (requestId) logger.setCorrelationId(requestId);
      },
    })
    .use(publishMetricsIfAny(metrics));
}
