import type { ApiKeyCheck } from '../core/http/api-key-check.js';
import { HttpError } from '../core/http/http-error.js';
import { type HttpHandler, httpFunction } from '../core/http/http-function.js';
import { jsonResponse } from '../core/http/json-response.js';
import type { BatchProgressReader } from '../core/store/batch-progress.js';
import type { BatchStore } from '../core/store/batch-store.js';
import { campaignOf } from './campaign-view.js';

export interface CampaignsHandlerDeps {
  batches: Pick<BatchStore, 'getBatch'>;
  progress: Pick<BatchProgressReader, 'progress'>;
  apiKeys: Pick<ApiKeyCheck, 'require'>;
}

/** Batch ids are UUIDs; anything longer than this cannot be one and is not looked up. */
const MAX_BATCH_ID_LENGTH = 64;

/**
 * GET /campaigns/{batchId}: where a campaign is, in three reads whatever its size (the batch record, the
 * writer's item, the 8 counter items), for the marketer who uploaded it and for analysts.
 */
export function createCampaignsHandler(deps: CampaignsHandlerDeps): HttpHandler {
  return httpFunction('campaigns', { apiKeys: deps.apiKeys }, async (event) => {
    const batchId = event.pathParameters?.batchId ?? '';
    if (batchId === '' || batchId.length > MAX_BATCH_ID_LENGTH || !/^[\w-]+$/.test(batchId)) {
      throw new HttpError(
        404,
        `no batch has the id ${JSON.stringify(batchId.slice(0, MAX_BATCH_ID_LENGTH))}`,
      );
    }
    const [batch, progress] = await Promise.all([
      deps.batches.getBatch(batchId),
      deps.progress.progress(batchId),
    ]);
    const campaign = campaignOf(batchId, batch, progress);
    if (campaign === undefined) throw new HttpError(404, `no batch has the id "${batchId}"`);
    // Progress moves by the second: a cache would show a campaign stuck.
    return jsonResponse(200, campaign, { 'cache-control': 'no-store' });
  });
}
