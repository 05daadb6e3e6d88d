import { createHash } from 'node:crypto';

/**
 * A send's identity, derived from its batch and normalised address, so that a retried write or a
 * redelivered message always names the same send and can never create a second one.
 */
export function sendIdFor(batchId: string, normalisedEmail: string): string {
  return createHash('sha256').update(`${batchId}\n${normalisedEmail}`).digest('hex').slice(0, 32);
}

/** Content is stored once per distinct text; its id is the hash of that text. */
export function contentIdFor(content: string): string {
  return createHash('sha256').update(content).digest('hex').slice(0, 40);
}
