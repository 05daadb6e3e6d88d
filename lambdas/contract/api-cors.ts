/**
 * The API's CORS policy, beside the origins (the `corsOrigins` setting): the stack configures API
 * Gateway's HTTP API with it (lib/constructs/api.ts) and the local gateway answers the same way
 * (local/http-gateway.ts). The functions add no CORS header of their own: API Gateway would ignore
 * them once CORS is configured, and without a configuration they would open what the stack keeps shut.
 */
export const CORS_POLICY = {
  allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
  /** Request headers a browser may send cross-origin: the body type, the API key, the upload's idempotency key. */
  allowHeaders: ['content-type', 'x-api-key', 'idempotency-key'],
  /** No cookies or HTTP authentication: keys travel in x-api-key, which the page itself sets. */
  allowCredentials: false,
  maxAgeSeconds: 3600,
} as const;
