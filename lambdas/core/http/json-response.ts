import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** A JSON answer whose body is already serialised (an answer stored to be given again, unchanged). */
export function jsonTextResponse(
  statusCode: number,
  body: string,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body,
  };
}

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return jsonTextResponse(statusCode, JSON.stringify(body), headers);
}
