import { SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSesEventMessage } from '../../lambdas/core/domain/ses-event.js';
import { SesMailer } from '../../lambdas/sender/mailer.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/local-clients.js';
import { type RunningSesEventSimulator, startSesEventSimulator } from '../../local/ses-event-simulator.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';
import { drainQueue, receiveAtLeast } from '../helpers/send-pipeline.js';

let aws: TestAws;
let simulator: RunningSesEventSimulator;
let ses: SESv2Client;
const errors: unknown[] = [];

beforeAll(async () => {
  aws = await startTestAws();
  simulator = await startSesEventSimulator({
    target: aws.emulators.endpoints.sesv2,
    host: '127.0.0.1',
    sqs: aws.clients.sqs,
    queueUrl: aws.queues.eventsQueueUrl,
    configurationSet: 'campaign-mailer-local',
    onError: (error) => errors.push(error),
  });
  ses = new SESv2Client({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: simulator.endpoint,
  });
});
afterAll(async () => {
  ses.destroy();
  await simulator.stop();
  await aws.stop();
});

const mailer = (configurationSet?: string) =>
  new SesMailer(ses, { from: 'campaigns@example.com', ...(configurationSet ? { configurationSet } : {}) });

const mail = (to: string, sendId: string) => ({
  to,
  subject: 'Spring',
  text: 'Hello',
  tags: { sendId, batchId: 'b0a7c3e2-1111-4222-8333-944455556666' },
});

describe('the local SES event simulator in front of the SES emulator', () => {
  it("publishes, for each mail of the configuration set, SES's events in EventBridge's envelope on the events queue, once", async () => {
    const local = mailer('campaign-mailer-local');
    const messageIds = {
      success: await local.send(mail('success@simulator.amazonses.com', 'a'.repeat(32))),
      bounce: await local.send(mail('bounce+spring@simulator.amazonses.com', 'b'.repeat(32))),
      complaint: await local.send(mail('complaint@simulator.amazonses.com', 'c'.repeat(32))),
      other: await local.send(mail('ana.garcia@example.com', 'd'.repeat(32))),
    };
    // Without the configuration set, SES publishes nothing.
    await mailer().send(mail('success@simulator.amazonses.com', 'e'.repeat(32)));

    const expected = ['Send', 'Delivery', 'Send', 'Bounce', 'Send', 'Delivery', 'Complaint', 'Send'];
    const { Records } = await receiveAtLeast(
      aws,
      'the simulated events',
      expected.length,
      aws.queues.eventsQueueUrl,
    );
    const events = Records.map((record) => {
      const body = JSON.parse(record.body) as { source: string; 'detail-type': string };
      const parsed = parseSesEventMessage(record.body);
      if (!parsed.ok) throw new Error(parsed.problem);
      return { ...parsed.event, detailType: body['detail-type'] };
    });
    const bySend = (sendId: string) => events.filter((e) => e.sendId === sendId).map((e) => e.type);
    expect(bySend('a'.repeat(32))).toEqual(['Send', 'Delivery']);
    expect(bySend('b'.repeat(32))).toEqual(['Send', 'Bounce']);
    expect(bySend('c'.repeat(32))).toEqual(['Send', 'Delivery', 'Complaint']);
    expect(bySend('d'.repeat(32))).toEqual(['Send']);
    expect(bySend('e'.repeat(32))).toEqual([]);
    expect(events.find((e) => e.sendId === 'b'.repeat(32) && e.type === 'Bounce')).toMatchObject({
      sesMessageId: messageIds.bounce,
      detailType: 'Email Bounced',
      suppression: {
        emails: ['bounce+spring@simulator.amazonses.com'],
        reason: 'BOUNCED',
        detail: 'General',
      },
    });
    expect(events.find((e) => e.sendId === 'a'.repeat(32))?.sesMessageId).toBe(messageIds.success);
    // Nothing more comes: each mail's events were published once.
    expect(await drainQueue(aws, aws.queues.eventsQueueUrl)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('passes every request through: the emulator keeps the mails and answers its own API', async () => {
    await mailer('campaign-mailer-local').send(mail('ooto@simulator.amazonses.com', 'f'.repeat(32)));
    const direct = await aws.sentMails();
    expect(direct.some((m) => m.destination.to[0] === 'ooto@simulator.amazonses.com')).toBe(true);
    const through = (await (await fetch(`${simulator.endpoint}/store`)).json()) as { emails: unknown[] };
    expect(through.emails).toHaveLength(direct.length);
    await drainQueue(aws, aws.queues.eventsQueueUrl);
  });
});
