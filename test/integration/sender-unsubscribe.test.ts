import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { UnsubscribeLinks } from '../../lambdas/core/domain/list-unsubscribe.js';
import { sendIdFor } from '../../lambdas/core/domain/send-id.js';
import { createSenderHandler, type SenderHandlerDeps } from '../../lambdas/sender/handler.js';
import type { SendMetrics } from '../../lambdas/sender/send-metrics.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import {
  countsOf,
  csvOf,
  ingestText,
  receiveSqsEvent,
  senderDepsFor,
  sesClientFor,
  storesOf,
  TEST_PUBLIC_URL,
  testUnsubscribeTokens,
} from '../helpers/send-pipeline.js';
import { noSendMetrics } from '../helpers/sender-doubles.js';
import { injectSesFaults } from '../helpers/ses-faults.js';

/**
 * The sender's part of one-click unsubscribe and of the suppression list, against the emulators: what
 * each mail carries (read back from the SES emulator's store), and what happens to a send whose address
 * was put on the list after its upload.
 */

let aws: TestAws;
beforeAll(async () => {
  aws = await startTestAws();
});
afterAll(() => aws.stop());
beforeEach(async () => {
  await fetch(`${aws.emulators.endpoints.sesv2}/clear-store`, { method: 'POST' });
  // Each test reads only the messages of its own upload.
  while ((await receiveSqsEvent(aws, aws.queues.queueUrl, 1)).Records.length > 0);
});

/** A sender against the emulators whose SES calls are counted (middleware, passing every call on). */
function countedSender(overrides: Partial<SenderHandlerDeps> = {}) {
  const ses: SESv2Client = sesClientFor(aws);
  const calls = injectSesFaults(ses, () => undefined);
  return { handler: createSenderHandler(senderDepsFor(aws, ses, overrides)), calls };
}

const mailTo = async (address: string) =>
  (await aws.sentMails()).filter((mail) => mail.destination.to[0] === address);

const headerOf = (mail: { headers?: { name: string; value: string }[] }, name: string) =>
  mail.headers?.find((header) => header.name === name)?.value;

/** Uploads and writes a campaign of `rows` (email, subject, content), returning its batch id. */
async function upload(rows: string[][], options: { dryRun?: boolean } = {}) {
  const report = await ingestText(aws, csvOf([['email', 'subject', 'content'], ...rows]), options);
  return report.batchId;
}

describe('every mail the sender hands to SES', () => {
  it('carries List-Unsubscribe with its own signed link and List-Unsubscribe-Post for one click', async () => {
    const batchId = await upload([
      ['ana@example.com', 'Hi', 'Hello'],
      ['ben@example.com', 'Hi', 'Hello'],
    ]);
    const { handler } = countedSender();
    expect(await handler(await receiveSqsEvent(aws, aws.queues.queueUrl, 1))).toEqual({
      batchItemFailures: [],
    });
    for (const address of ['ana@example.com', 'ben@example.com']) {
      const [mail] = await mailTo(address);
      if (mail === undefined) throw new Error(`no mail to ${address}`);
      const link = /^<(https:\/\/[^>]+)>$/.exec(headerOf(mail, 'List-Unsubscribe') ?? '')?.[1];
      expect(link).toMatch(new RegExp(`^${TEST_PUBLIC_URL}/unsubscribe/[A-Za-z0-9_-]{64}$`));
      expect(testUnsubscribeTokens().sendIdOf(link?.split('/').at(-1) ?? '')).toBe(
        sendIdFor(batchId, address),
      );
      expect(headerOf(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    }
  });

  it('names the unsubscribe mailbox too when one is configured', async () => {
    const batchId = await upload([['carl@example.com', 'Hi', 'Hello']]);
    const links = new UnsubscribeLinks(testUnsubscribeTokens(), TEST_PUBLIC_URL, 'leave@example.com');
    const { handler } = countedSender({ unsubscribe: links });
    await handler(await receiveSqsEvent(aws, aws.queues.queueUrl, 1));
    const [mail] = await mailTo('carl@example.com');
    const { url } = links.linkFor(sendIdFor(batchId, 'carl@example.com'));
    const token = url.split('/').at(-1);
    expect(mail && headerOf(mail, 'List-Unsubscribe')).toBe(
      `<${url}>, <mailto:leave@example.com?subject=unsubscribe-${token}>`,
    );
  });

  it('has {{unsubscribe_url}} of its subject and content filled with that same link, escaped in HTML', async () => {
    await upload([
      [
        'dora@example.com',
        'Leave at {{unsubscribe_url}}',
        '"<p>Hi. <a href=""{{unsubscribe_url}}"">Unsubscribe</a></p>"',
      ],
    ]);
    const { handler } = countedSender();
    await handler(await receiveSqsEvent(aws, aws.queues.queueUrl, 1));
    const [mail] = await mailTo('dora@example.com');
    if (mail === undefined) throw new Error('no mail to dora@example.com');
    const link = /^<([^>]+)>$/.exec(headerOf(mail, 'List-Unsubscribe') ?? '')?.[1] ?? '';
    expect(mail.subject).toBe(`Leave at ${link}`);
    expect(mail.body.html).toBe(`<p>Hi. <a href="${link}">Unsubscribe</a></p>`);
    expect(mail.body.text).toBe(`Hi. Unsubscribe (${link})`);
  });
});

describe('a send whose address is on the suppression list', () => {
  const suppress = (email: string, reason: 'UNSUBSCRIBED' | 'BOUNCED' | 'COMPLAINED' | 'MANUAL') =>
    storesOf(aws).suppressions.addIfAbsent({ email, reason, addedAt: new Date().toISOString() });

  it('ends SUPPRESSED with the reason of the list, without an SES call, and is counted so', async () => {
    const batchId = await upload([
      ['erin@example.com', 'Hi', 'Hello'],
      ['fred@example.com', 'Hi', 'Hello'],
    ]);
    // Suppressed after the upload, before the sender got to it: an unsubscribe from an earlier mail.
    await suppress('erin@example.com', 'UNSUBSCRIBED');
    const suppressed: string[] = [];
    const metrics: SendMetrics = { ...noSendMetrics, suppressed: () => suppressed.push('suppressed') };
    const { handler, calls } = countedSender({ metrics });
    expect(await handler(await receiveSqsEvent(aws, aws.queues.queueUrl, 1))).toEqual({
      batchItemFailures: [],
    });

    expect(calls.attempted).toBe(1);
    expect(await mailTo('erin@example.com')).toEqual([]);
    expect(await mailTo('fred@example.com')).toHaveLength(1);
    const erin = await storesOf(aws).sends.getSend(sendIdFor(batchId, 'erin@example.com'));
    expect(erin).toMatchObject({ status: 'SUPPRESSED', suppressedReason: 'UNSUBSCRIBED' });
    expect(erin?.sesMessageId).toBeUndefined();
    expect(suppressed).toEqual(['suppressed']);
    expect(await countsOf(aws, batchId)).toMatchObject({ QUEUED: 0, SENDING: 0, SENT: 1, SUPPRESSED: 1 });
  });

  it('is looked up by its address as the upload normalised it (Gina@Example.com in the file)', async () => {
    const batchId = await upload([['Gina@Example.com', 'Hi', 'Hello']]);
    await suppress('gina@example.com', 'COMPLAINED');
    const { handler, calls } = countedSender();
    await handler(await receiveSqsEvent(aws, aws.queues.queueUrl, 1));
    expect(calls.attempted).toBe(0);
    expect(await storesOf(aws).sends.getSend(sendIdFor(batchId, 'gina@example.com'))).toMatchObject({
      status: 'SUPPRESSED',
      suppressedReason: 'COMPLAINED',
    });
  });

  it('ends SUPPRESSED in a dry run too, where it would not have been mailed either', async () => {
    const batchId = await upload(
      [
        ['hugo@example.com', 'Hi', 'Hello'],
        ['iris@example.com', 'Hi', 'Hello'],
      ],
      { dryRun: true },
    );
    await suppress('hugo@example.com', 'BOUNCED');
    const { handler, calls } = countedSender();
    await handler(await receiveSqsEvent(aws, aws.queues.queueUrl, 1));
    expect(calls.attempted).toBe(0);
    const { sends } = storesOf(aws);
    expect(await sends.getSend(sendIdFor(batchId, 'hugo@example.com'))).toMatchObject({
      status: 'SUPPRESSED',
      suppressedReason: 'BOUNCED',
    });
    expect(await sends.getSend(sendIdFor(batchId, 'iris@example.com'))).toMatchObject({
      status: 'SENT',
      dryRun: true,
    });
    expect(await countsOf(aws, batchId)).toMatchObject({ SENT: 1, SUPPRESSED: 1 });
  });

  it('is acknowledged once SUPPRESSED: a redelivered message neither mails it nor counts it again', async () => {
    const batchId = await upload([['jack@example.com', 'Hi', 'Hello']]);
    await suppress('jack@example.com', 'MANUAL');
    const event = await receiveSqsEvent(aws, aws.queues.queueUrl, 1);
    const { handler, calls } = countedSender();
    await handler(event);
    // The address leaves the list; the old message comes again: the send stays as it ended.
    await storesOf(aws).suppressions.remove('jack@example.com');
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(calls.attempted).toBe(0);
    expect(await countsOf(aws, batchId)).toMatchObject({ QUEUED: 0, SENDING: 0, SENT: 0, SUPPRESSED: 1 });
  });
});
