import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { InternalError } from '../../contract/api-schemas.js';
import { logger } from '../observability/logger.js';
import { HttpError } from './http-error.js';
import { jsonResponse } from './json-response.js';

type Request = middy.Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Error, Context>;

export const INTERNAL_ERROR_MESSAGE = 'internal error; quote this request id when reporting it';

/**
 * The id a client quotes: API Gateway's request id, which is also the correlation id of every log line
 * (withPowertools), the id in the access log and the `apigw-requestid` header of the answer. Lambda's
 * own id stands in when there is no API Gateway event (a direct invocation).
 */
export function requestIdOf(request: Pick<Request, 'event' | 'context'>): string {
  return request.event?.requestContext?.requestId ?? request.context?.awsRequestId ?? 'unknown';
}

const isClientError = (error: unknown): error is HttpError =>
  error instanceof HttpError && error.statusCode >= 400 && error.statusCode < 500;

/**
 * Turns a thrown 4xx HttpError into its JSON answer. Anything else is a bug or an outage: the client
 * gets a generic 500 with the request id to quote, and the details go to the log only.
 *
 * Hand-written rather than @middy/http-error-handler: that middleware answers with the error's message
 * as the whole body (plain text unless the message is itself JSON) and a fixed fallback message, so it
 * can carry neither our `problem` codes and details nor the request id of each 500.
 */
export function jsonErrors(): middy.MiddlewareObj<
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Error,
  Context
> {
  return {
    onError: async (request: Request) => {
      const { error } = request;
      if (isClientError(error)) {
        request.response = jsonResponse(error.statusCode, error.body, error.headers);
        return;
      }
      const requestId = requestIdOf(request);
      logger.error('request failed', {
        error: error instanceof Error ? error : String(error),
        requestId,
        awsRequestId: request.context?.awsRequestId,
      });
      const answer: InternalError = { error: INTERNAL_ERROR_MESSAGE, requestId };
      request.response = jsonResponse(500, answer);
    },
  };
}
