import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { logger } from '../observability/logger.js';
import { HttpError } from './http-error.js';
import { jsonResponse } from './json-response.js';

type Request = middy.Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;

/**
 * Turns a thrown HttpError into its JSON answer. Anything else is a bug or an outage: the client gets
 * a generic 500 with the request id to quote, and the details go to the log only.
 */
export function jsonErrors(): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request: Request) => {
      const { error } = request;
      if (error instanceof HttpError) {
        request.response = jsonResponse(error.statusCode, { error: error.message, ...error.details });
        return;
      }
      const requestId = request.context?.awsRequestId ?? request.event.requestContext?.requestId ?? 'unknown';
      logger.error('request failed', { error: error instanceof Error ? error : String(error), requestId });
      request.response = jsonResponse(500, {
        error: 'internal error; quote this request id when reporting it',
        requestId,
      });
    },
  };
}
