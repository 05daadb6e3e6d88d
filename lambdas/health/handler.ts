import type { Health } from '../contract/api-schemas.js';
import { type HttpHandler, httpFunction } from '../core/http/http-function.js';
import { jsonResponse } from '../core/http/json-response.js';

/**
 * GET /health: the one public route. It answers from the function alone (no table, no queue, no
 * SES), so it says that the API and Lambda are serving, and it cannot leak or cost anything.
 */
export function createHealthHandler(): HttpHandler {
  return httpFunction('health', {}, async () => {
    const answer: Health = { status: 'ok' };
    return jsonResponse(200, answer, { 'cache-control': 'no-store' });
  });
}
