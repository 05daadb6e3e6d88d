import type { ControlAction } from '../core/domain/batch-state.js';
import type { ApiKeyCheck } from '../core/http/api-key-check.js';
import { HttpError } from '../core/http/http-error.js';
import { type HttpHandler, httpFunction } from '../core/http/http-function.js';
import { jsonResponse } from '../core/http/json-response.js';
import type { BatchControlStore } from '../core/store/batch-control-store.js';
import type { BatchProgressReader } from '../core/store/batch-progress.js';
import type { BatchStore } from '../core/store/batch-store.js';
import { campaignOf } from './campaign-view.js';
import { type ControlDeps, controlCampaign } from './control-campaign.js';
import { controlRequestOf } from './control-request.js';

export interface CampaignsHandlerDeps extends ControlDeps {
  batches: Pick<BatchStore, 'getBatch'>;
  progress: Pick<BatchProgressReader, 'progress'>;
  controls: Pick<BatchControlStore, 'get' | 'create' | 'apply'>;
  apiKeys: Pick<ApiKeyCheck, 'require'>;
}

/** Batch ids are UUIDs; anything longer than this cannot be one and is not looked up. */
const MAX_BATCH_ID_LENGTH = 64;

/** The control action of a route (`POST /campaigns/{batchId}/pause`), or undefined for GET. */
function actionOf(routeKey: string | undefined): Exclude<ControlAction, 'start'> | undefined {
  const action = /^POST \/campaigns\/\{batchId\}\/(pause|resume|cancel|schedule)$/.exec(routeKey ?? '')?.[1];
  return action as Exclude<ControlAction, 'start'> | undefined;
}

/**
 * GET /campaigns/{batchId}: where a campaign is, in four reads whatever its size (the batch record, its
 * control item, the writer's item, the 8 counter items), for the marketer who uploaded it and for
 * analysts. POST /campaigns/{batchId}/pause, /resume, /cancel, /schedule: its control
 * (control-campaign.ts), answered with the batch as GET shows it.
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
    const action = actionOf(event.routeKey);
    if (action !== undefined) {
      const request = controlRequestOf({
        headers: event.headers ?? {},
        ...(event.body === undefined ? {} : { body: event.body }),
        isBase64Encoded: event.isBase64Encoded,
        query: event.queryStringParameters ?? {},
      });
      const { control, progress } = await controlCampaign(batchId, action, request, deps);
      const campaign = campaignOf(batchId, await deps.batches.getBatch(batchId), progress, control);
      if (campaign === undefined) throw new HttpError(404, `no batch has the id "${batchId}"`);
      return jsonResponse(200, campaign, { 'cache-control': 'no-store' });
    }
    const [batch, progress, control] = await Promise.all([
      deps.batches.getBatch(batchId),
      deps.progress.progress(batchId),
      deps.controls.get(batchId),
    ]);
    const campaign = campaignOf(batchId, batch, progress, control);
    if (campaign === undefined) throw new HttpError(404, `no batch has the id "${batchId}"`);
    // Progress moves by the second: a cache would show a campaign stuck.
    return jsonResponse(200, campaign, { 'cache-control': 'no-store' });
  });
}
