import { GetAccountCommand, type SESv2Client } from '@aws-sdk/client-sesv2';

/** The account's maximum send rate (emails per second), from SES v2 GetAccount's SendQuota. */
export async function accountMaxSendRate(ses: SESv2Client): Promise<number> {
  const out = await ses.send(new GetAccountCommand({}));
  const rate = out.SendQuota?.MaxSendRate;
  if (rate === undefined) throw new Error('SES GetAccount returned no SendQuota.MaxSendRate');
  return rate;
}
