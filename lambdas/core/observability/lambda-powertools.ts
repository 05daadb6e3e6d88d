import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
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
    .use(logMetrics(metrics));
}
