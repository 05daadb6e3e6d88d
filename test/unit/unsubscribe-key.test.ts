import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { unsubscribeTokensOf } from '../../lambdas/core/aws/unsubscribe-key.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import { UnsubscribeTokens } from '../../lambdas/core/domain/unsubscribe-token.js';

const SECRET = 'the-value-secrets-manager-generated-for-the-stack';
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:UnsubscribeSecret-AbCdEf';
const SEND = sendIdFor('batch-1', 'ana@example.com');

/**
 * A Secrets Manager client whose GetSecretValue is answered by SDK middleware (no emulator of Secrets
 * Manager runs here); it counts the calls and records the secret asked for.
 */
function answeredClient(answer: { SecretString?: string }) {
  const asked: string[] = [];
  const client = new SecretsManagerClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      if (context.commandName !== 'GetSecretValueCommand')
        throw new Error(`unexpected ${context.commandName}`);
      asked.push(String((args.input as { SecretId?: string }).SecretId));
      return { output: { $metadata: {}, ...answer }, response: {} };
    },
    { step: 'initialize', name: 'answerGetSecretValue' },
  );
  return { client, asked };
}

describe('the key of the unsubscribe links', () => {
  it('is read from the Secrets Manager secret the stack names, once (Secrets Manager answered by SDK middleware)', async () => {
    const { client, asked } = answeredClient({ SecretString: SECRET });
    const tokens = await unsubscribeTokensOf({ secretArn: ARN }, () => client);
    expect(asked).toEqual([ARN]);
    expect(tokens.tokenFor(SEND)).toBe(new UnsubscribeTokens(SECRET).tokenFor(SEND));
  });

  it('is the value itself in local mode, with no Secrets Manager call', async () => {
    const tokens = await unsubscribeTokensOf({ secret: SECRET }, () => {
      throw new Error('no Secrets Manager client may be made in local mode');
    });
    expect(tokens.tokenFor(SEND)).toBe(new UnsubscribeTokens(SECRET).tokenFor(SEND));
  });

  it('is refused when the secret holds no text, naming the secret and not its value (answered by SDK middleware)', async () => {
    const { client } = answeredClient({});
    await expect(unsubscribeTokensOf({ secretArn: ARN }, () => client)).rejects.toThrow(
      `the unsubscribe secret ${ARN} holds no text`,
    );
  });
});
