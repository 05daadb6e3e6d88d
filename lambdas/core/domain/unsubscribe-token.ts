import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The token of a mail's unsubscribe link: its send's id and an HMAC-SHA256 of that id under the
 * project's secret, base64url. It names a send, not an address (a sendId is a hash of batch and
 * address: send-id.ts), so a forwarded or logged link shows no address; and it cannot be made or
 * altered without the secret, so nobody can unsubscribe an address they only know.
 *
 * It never expires by itself: a link must work in a mail read months later. It stops working when its
 * send expires (RETENTION_DAYS), and for every mail at once if the secret is replaced.
 */

/** A sendId: 32 hex digits (sendIdFor), carried as its 16 bytes. */
const SEND_ID = /^[0-9a-f]{32}$/;
const SEND_ID_BYTES = 16;
const MAC_BYTES = 32;
/** base64url of 16 + 32 bytes: 64 characters, no padding and no spare bits (48 is a multiple of 3). */
export const UNSUBSCRIBE_TOKEN_LENGTH = ((SEND_ID_BYTES + MAC_BYTES) / 3) * 4;
const TOKEN = new RegExp(`^[A-Za-z0-9_-]{${UNSUBSCRIBE_TOKEN_LENGTH}}$`);

/** The least a secret must have: shorter would make forged links a matter of guessing. */
export const MIN_UNSUBSCRIBE_SECRET_LENGTH = 32;

/** What the MAC is of, so that the key signs nothing else by accident (another use, another prefix). */
const PURPOSE = 'campaign-mailer unsubscribe v1\n';

export class UnsubscribeTokenError extends Error {
  override readonly name = 'UnsubscribeTokenError';
}

export class UnsubscribeTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    if (secret.length < MIN_UNSUBSCRIBE_SECRET_LENGTH) {
      // The secret itself is never repeated in a message.
      throw new UnsubscribeTokenError(
        `the unsubscribe secret must be at least ${MIN_UNSUBSCRIBE_SECRET_LENGTH} characters long`,
      );
    }
    this.key = Buffer.from(secret, 'utf8');
  }

  /** The token of a send's link. */
  tokenFor(sendId: string): string {
    if (!SEND_ID.test(sendId)) throw new UnsubscribeTokenError('not a send id: expected 32 hex digits');
    const id = Buffer.from(sendId, 'hex');
    return Buffer.concat([id, this.macOf(id)]).toString('base64url');
  }

  /**
   * The send a token names, or undefined for anything that is not a token this secret made: altered,
   * cut, padded, of another secret or no token at all. The MAC is compared in constant time.
   */
  sendIdOf(token: string): string | undefined {
    if (!TOKEN.test(token)) return undefined;
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length !== SEND_ID_BYTES + MAC_BYTES) return undefined;
    const id = bytes.subarray(0, SEND_ID_BYTES);
    const mac = bytes.subarray(SEND_ID_BYTES);
    return timingSafeEqual(mac, this.macOf(id)) ? id.toString('hex') : undefined;
  }

  private macOf(id: Buffer): Buffer {
    return createHmac('sha256', this.key).update(PURPOSE).update(id).digest();
  }
}
