import type { UnsubscribeTokens } from '../core/domain/unsubscribe-token.js';
import { type HttpHandler, httpFunction } from '../core/http/http-function.js';
import { MAX_ONE_CLICK_BODY_BYTES, requireOneClick, tooLarge } from './one-click-body.js';
import { recordUnsubscribe, type UnsubscribeDeps } from './record-unsubscribe.js';
import { confirmPage, linkNotFound, unsubscribedAnswer } from './unsubscribe-pages.js';

export interface UnsubscribeHandlerDeps extends UnsubscribeDeps {
  /** Verifies the links the sender signed (the same secret). */
  tokens: Pick<UnsubscribeTokens, 'sendIdOf'>;
}

/**
 * GET and POST /unsubscribe/{token}: a recipient's one-click unsubscribe (RFC 8058), public (the
 * signed token is the credential).
 *
 * - GET shows a page whose button POSTs; it writes nothing, so a mail scanner opening every link of a
 *   mail unsubscribes nobody. It does read the send: a link whose send expired is refused alike.
 * - POST with the one-click form unsubscribes (record-unsubscribe.ts) and answers 200, the same however
 *   often it comes.
 *
 * A link that is no token this key signed, or whose send does not exist, gets the same plain 404 on
 * either method; its token is checked before anything is read.
 */
export function createUnsubscribeHandler(deps: UnsubscribeHandlerDeps): HttpHandler {
  return httpFunction(
    'unsubscribe',
    {
      body: { maxBytes: MAX_ONE_CLICK_BODY_BYTES, tooLarge },
    },
    async (event) => {
      const sendId = deps.tokens.sendIdOf(event.pathParameters?.token ?? '');
      if (sendId === undefined) return linkNotFound();
      if (event.requestContext.http.method === 'GET') {
        return (await deps.sends.getSend(sendId)) === undefined ? linkNotFound() : confirmPage();
      }
      await requireOneClick(event);
      const outcome = await recordUnsubscribe(sendId, deps);
      return outcome === 'unknown' ? linkNotFound() : unsubscribedAnswer(event);
    },
  );
}
