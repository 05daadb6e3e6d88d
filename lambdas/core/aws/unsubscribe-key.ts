import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { UnsubscribeKeySource } from '../config/function-config.js';
import { UnsubscribeTokens } from '../domain/unsubscribe-token.js';
import { tracer } from '../observability/tracer.js';

/**
 * The signer and verifier of unsubscribe links, from the configured key: on AWS the Secrets Manager
 * secret the stack generated, read once per container (the entries await this at load, in Lambda's
 * init phase); locally the value itself, with no Secrets Manager client at all. The value is never
 * logged, nor put in an error message.
 *
 * The SDK's own client rather than Powertools' parameters utility: one call per container needs no
 * cache with an expiry, and the utility would pin a second copy of Powertools' commons.
 */
export async function unsubscribeTokensOf(
  source: UnsubscribeKeySource,
  client: () => Pick<SecretsManagerClient, 'send'> = () =>
    tracer.captureAWSv3Client(new SecretsManagerClient({})),
): Promise<UnsubscribeTokens> {
  if ('secret' in source) return new UnsubscribeTokens(source.secret);
  const out = await client().send(new GetSecretValueCommand({ SecretId: source.secretArn }));
  if (out.SecretString === undefined) {
    throw new Error(`the unsubscribe secret ${source.secretArn} holds no text (SecretString)`);
  }
  return new UnsubscribeTokens(out.SecretString);
}
