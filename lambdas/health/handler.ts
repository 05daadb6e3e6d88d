import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { jsonResponse } from '../core/http/json-response.js';

/**
 * GET /health: the one public route. It answers from the function alone (no table, no queue, no
 * SES), so it says that the API and Lambda are serving, and it cannot leak or cost anything.
 */
export async function health(): Promise<APIGatewayProxyStructuredResultV2> {
  return jsonResponse(200, { status: 'ok' }, { 'cache-control': 'no-store' });
}
