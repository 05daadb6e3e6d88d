import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SEND_QUEUE } from '../../lambdas/contract/queue-settings.js';
import { createSenderHandler } from '../../lambdas/sender/handler.js';
import { SendPacer } from '../../lambdas/sender/send-pacer.js';
import { RatePacing, type SendPacing } from '../../lambdas/sender/send-pacing.js';
import { accountMaxSendRate } from '../../lambdas/sender/send-quota.js';
import { SendRate } from '../../lambdas/sender/send-rate.js';
import { startSqsEventSource } from '../../local/sqs-event-source.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { pollUntil } from '../helpers/poll.js';
import { countsOf, csvOf, ingestText, senderDepsFor, sesClientFor } from '../helpers/send-pipeline.js';
import { limitSesRate } from '../helpers/ses-faults.js';

let aws: TestAws;
beforeAll(async () => {
  aws = await startTestAws();
});
afterAll(() => aws.stop());
afterEach(() => {
  delete process.env.AWS_SES_ACCOUNT;
});

const ses = () => sesClientFor(aws);

/** What the SES emulator answers GetAccount with when AWS_SES_ACCOUNT holds it. */
function emulatedAccount(maxSendRate: number) {
  return JSON.stringify({
    DedicatedIpAutoWarmupEnabled: false,
    Details: {
      AdditionalContactEmailAddresses: [],
      ContactLanguage: 'EN',
      MailType: 'MARKETING',
      ReviewDetails: { CaseId: 'c', Status: 'GRANTED' },
      UseCaseDescription: 'campaigns',
      WebsiteURL: 'https://example.com',
    },
    EnforcementStatus: 'HEALTHY',
    ProductionAccessEnabled: true,
    SendingEnabled: true,
    SendQuota: { Max24HourSend: 50_000, MaxSendRate: maxSendRate, SentLast24Hours: 0 },
    SuppressionAttributes: { SuppressedReasons: [] },
  });
}

/**
 * Sends `count` mails through `concurrency` event-source pollers; returns the seconds it took, from
 * before the first poller started to after the last send was seen SENT: more than the sending took,
 * never less.
 */
async function runCampaign(count: number, concurrency: number, client: SESv2Client, pacing: SendPacing) {
  const report = await ingestText(
    aws,
    csvOf([
      ['email', 'subject', 'content'],
      ...Array.from({ length: count }, (_, i) => [`r${i}-${randomUUID().slice(0, 6)}@example.com`, 'S', 'C']),
    ]),
  );
  const handler = createSenderHandler(senderDepsFor(aws, client, { maxReceiveCount: 1000, pacing }));
  const started = performance.now();
  const events = startSqsEventSource({
    sqs: aws.clients.sqs,
    queueUrl: aws.queues.queueUrl,
    handler: (event) => handler(event),
    functionName: 'sender',
    batchSize: SEND_QUEUE.batchSize,
    concurrency,
  });
  try {
    await pollUntil(
      `all ${count} sends to be SENT`,
      () => countsOf(aws, report.batchId),
      (counts) => counts.SENT === count,
    );
    return (performance.now() - started) / 1000;
  } finally {
    await events.stop();
  }
}

describe('send rate', () => {
  it('reads the account’s maximum send rate from SES GetAccount', async () => {
    process.env.AWS_SES_ACCOUNT = emulatedAccount(14);
    expect(await accountMaxSendRate(ses())).toBe(14);
  });

  it('falls back to the configured default when GetAccount fails, as the emulator does without an account', async () => {
    const rate = new SendRate({
      fallback: 5,
      readAccountRate: () => accountMaxSendRate(ses()),
      now: Date.now,
    });
    expect(await rate.describe()).toEqual({ rate: 5, origin: 'fallback' });
  });

  it('keeps concurrent senders under the account rate, so SES throttles none (SES limit injected by middleware)', async () => {
    process.env.AWS_SES_ACCOUNT = emulatedAccount(20);
    const client = ses();
    const limit = limitSesRate(client, 20);
    const pacing = new RatePacing(
      new SendRate({ fallback: 1, readAccountRate: () => accountMaxSendRate(client), now: Date.now }),
      // Real time on purpose: the limiter, like SES, counts calls per real second.
      new SendPacer({ now: () => performance.now(), sleep: (ms) => sleep(ms) }, { concurrency: 2 }),
    );
    const seconds = await runCampaign(40, 2, client, pacing);
    expect(limit).toEqual({ accepted: 40, throttled: 0 });
    // 40 sends at 20/s: the first goes at once, the last 39 intervals of 50 ms later, so no sooner than
    // 1.95 s. Only a lower bound: a slow machine takes longer, and how fast it goes is the benchmark's
    // business (npm run bench:send), not a test's.
    expect(seconds).toBeGreaterThan(1.9);
  });
});
