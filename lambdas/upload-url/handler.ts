import type { LargeUpload } from '../contract/api-schemas.js';
import type { ApiKeyCheck } from '../core/http/api-key-check.js';
import { type HttpHandler, httpFunction } from '../core/http/http-function.js';
import { jsonResponse } from '../core/http/json-response.js';
import { logger } from '../core/observability/logger.js';
import { largeUploadRequestOf } from './large-upload-request.js';
import { createLargeUpload, type LargeUploadDeps } from './presigned-upload.js';

export interface UploadUrlHandlerDeps extends LargeUploadDeps {
  apiKeys: Pick<ApiKeyCheck, 'require'>;
  /** The largest file a URL is given out for (MAX_LARGE_UPLOAD_BYTES). */
  maxFileBytes: number;
}

/**
 * POST /campaigns/uploads `{ fileName?, size, dryRun? }`: a batch id and a pre-signed URL to PUT a
 * large CSV of that size to (large-upload-request.ts reads the request).
 */
export function createUploadUrlHandler(deps: UploadUrlHandlerDeps): HttpHandler {
  return httpFunction('uploadUrl', { apiKeys: deps.apiKeys }, async (event) => {
    const request = largeUploadRequestOf(
      {
        headers: event.headers ?? {},
        ...(event.body === undefined ? {} : { body: event.body }),
        isBase64Encoded: event.isBase64Encoded,
        query: event.queryStringParameters ?? {},
      },
      deps.maxFileBytes,
    );
    const upload: LargeUpload = await createLargeUpload(deps, request);
    logger.info('large upload URL issued', {
      batchId: upload.batchId,
      size: request.size,
      expiresAt: upload.expiresAt,
    });
    return jsonResponse(201, upload, { 'cache-control': 'no-store' });
  });
}
