import { SETTINGS } from '../lambdas/contract/settings.js';

/**
 * Which route a file goes by: POST /campaigns/upload takes a body up to the API's limit
 * (MAX_UPLOAD_BYTES, 6 MiB unless the stack says otherwise), a larger file goes to a pre-signed URL.
 * The raw CSV is the body, so the file's size is the body's size.
 */
export type UploadRoute = 'direct' | 'large';

export const DIRECT_UPLOAD_LIMIT = SETTINGS.maxUploadBytes.default;

export function routeFor(
  sizeBytes: number,
  chosen: UploadRoute | 'auto',
  directLimit = DIRECT_UPLOAD_LIMIT,
): UploadRoute {
  if (chosen !== 'auto') return chosen;
  return sizeBytes <= directLimit ? 'direct' : 'large';
}
