import { describe, expect, it } from 'vitest';
import { handler } from '../../lambdas/health/index.js';
import { lambdaContext } from '../../local/lambda-context.js';
import { httpApiEvent } from '../helpers/http-api-event.js';

// The public route's whole contract, checked beside the stack that exposes it without a key.
describe('GET /health', () => {
  it('answers 200 with {"status":"ok"} as uncached JSON, touching nothing', async () => {
    const response = await handler(httpApiEvent({ path: '/health' }), lambdaContext('health'));
    expect(response).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      body: '{"status":"ok"}',
    });
  });
});
