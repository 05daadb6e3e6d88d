import { describe, expect, it } from 'vitest';
import type { SesStoredMail } from '../helpers/aws-emulators.js';
import { campaignApi, mailsPerAddress, type Sending } from '../helpers/campaign-api.js';
import { runnerForThisFile } from '../helpers/local-runner-process.js';
import { pollUntil } from '../helpers/poll.js';

/**
 * Campaign control (issue 15) through `npm start`: pause, resume, cancel, a schedule and a batch's own pace,
 * seen as a marketer sees them (the control routes, GET /campaigns/{batchId}, GraphQL's sends) and as the
 * recipients do (the SES emulator's mails). The account's rate is held low so that a campaign of 60 addresses takes
 * about 12 seconds: long enough to stop it in the middle.
 */
const ACCOUNT_RATE = 5;
const local = runnerForThisFile({ MAX_SEND_RATE: String(ACCOUNT_RATE) });
const {
  upload,
  campaign,
  control,
  mailsTo,
  statusesOf,
  expectNoMailUntil,
  finishedCampaign,
  mailsStopped,
  underWay,
} = campaignApi(local);

/** What the control routes promise: no SES call for a paused or cancelled batch this long after the answer. */
const STOP_WITHIN_MS = 10_000;
/**
 * How long a stopped batch is watched for a mail that should not come. The watch is an observation of
 * what the product does, not a claim about its speed: it passes however slow the machine is, and fails
 * only if a mail arrives that must not exist at all.
 */
const STILL_WINDOW_MS = 8_000;

/** A list of `n` addresses no other test of the file uses, so each test counts its own batch's mails. */
function addressesOf(name: string, n: number): string[] {
  const tag = `${name}-${crypto.randomUUID().slice(0, 8)}`;
  return Array.from({ length: n }, (_, i) => `${tag}-${i}@example.com`);
}

/** The emulator dates each mail to the whole second it took it (`at`, seconds since the epoch). */
const secondsOf = (mails: SesStoredMail[]) => mails.map((mail) => mail.at ?? Number.NaN);
const wholeSecond = (ms: number) => Math.floor(ms / 1000);

describe('pausing and resuming a campaign', () => {
  it('stops the mails within 10 s of the pause and keeps them stopped; resume mails each remaining address exactly once', async () => {
    const emails = addressesOf('paused', 60);
    const { batchId } = await upload(emails);
    await underWay(emails, 5);

    const pause = await control(batchId, 'pause', { reason: 'wrong subject' });
    expect([pause.status, (pause.body.sending as Sending).state]).toEqual([200, 'PAUSED']);

    // Senders trust a batch's state for up to 3 s, and a mail already past that check still goes out:
    // wait (within the promise's 10 s, and 2 s more to see it quiet) until no mail has come for 2 s.
    await mailsStopped(emails, {
      quietMs: 2_000,
      timeoutMs: pause.answeredAt + STOP_WITHIN_MS + 2_000 - Date.now(),
    });
    const atPause = await mailsTo(emails);
    // Stopped in the middle of the campaign, and no mail taken more than 10 s after the pause's answer.
    expect(atPause.length).toBeLessThan(emails.length);
    expect(Math.max(...secondsOf(atPause))).toBeLessThanOrEqual(
      wholeSecond(pause.answeredAt + STOP_WITHIN_MS),
    );
    await expectNoMailUntil(
      'the paused batch to stay still',
      emails,
      atPause.length,
      Date.now() + STILL_WINDOW_MS,
    );
    const paused = await campaign(batchId);
    expect(paused.sending.state).toBe('PAUSED');
    expect(paused.sending.changes.at(-1)).toMatchObject({
      state: 'PAUSED',
      by: 'request',
      reason: 'wrong subject',
    });
    // Held without a failed receive: nothing went to ERROR or towards the dead-letter queue.
    expect(paused.counts.error).toBe(0);
    expect(paused.counts.sent).toBe(atPause.length);

    const resume = await control(batchId, 'resume');
    expect([resume.status, (resume.body.sending as Sending).state]).toEqual([200, 'SENDING']);
    // The release waits 5 s on the write queue, then the rest go out at the account's rate.
    const done = await finishedCampaign(batchId, 30_000);
    expect(done.counts).toMatchObject({ sent: emails.length, queued: 0, sending: 0, cancelled: 0, error: 0 });
    expect(done.sending.state).toBe('FINISHED');
    expect(done.sending.changes.map((change) => [change.state, change.by])).toEqual([
      ['SENDING', 'request'],
      ['PAUSED', 'request'],
      ['SENDING', 'request'],
    ]);

    const perAddress = mailsPerAddress(await mailsTo(emails));
    expect([...perAddress.keys()].sort()).toEqual([...emails].sort());
    expect([...perAddress.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    // No mailbox reports on an example.com address locally: SES accepted each, and that is all.
    expect(new Set((await statusesOf(batchId)).values())).toEqual(new Set(['SENT']));
  }, 90_000);
});

describe('cancelling a campaign', () => {
  it('ends every unsent send CANCELLED, mails nothing after it took effect, and refuses a resume naming CANCELLED', async () => {
    const emails = addressesOf('cancelled', 60);
    const { batchId } = await upload(emails);
    await underWay(emails, 5);

    const cancel = await control(batchId, 'cancel');
    expect([cancel.status, (cancel.body.sending as Sending).state]).toEqual([200, 'CANCELLED']);

    // Each send ends either mailed (it was past the sender's last check) or CANCELLED.
    const ended = await pollUntil(
      'every send of the cancelled batch to have ended',
      () => campaign(batchId),
      (seen) => seen.counts.sent + seen.counts.cancelled === emails.length,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(ended.counts).toMatchObject({ queued: 0, sending: 0, error: 0 });
    expect(ended.counts.cancelled).toBeGreaterThan(0);
    expect(ended.finished).toBe(true);
    expect(ended.sending.state).toBe('CANCELLED');

    const atEnd = await mailsTo(emails);
    // The mails are exactly the SENT sends, all taken within 10 s of the cancel's answer, and none after.
    expect(atEnd).toHaveLength(ended.counts.sent);
    expect(Math.max(...secondsOf(atEnd))).toBeLessThanOrEqual(
      wholeSecond(cancel.answeredAt + STOP_WITHIN_MS),
    );
    await expectNoMailUntil(
      'the cancelled batch to stay still',
      emails,
      atEnd.length,
      Date.now() + STILL_WINDOW_MS,
    );
    expect([...mailsPerAddress(atEnd).values()].every((n) => n === 1)).toBe(true);
    // The mailed addresses are exactly the SENT sends; every other one is CANCELLED.
    const statuses = await statusesOf(batchId);
    const mailed = new Set(atEnd.map((mail) => mail.destination.to[0]));
    expect(emails.filter((e) => statuses.get(e) !== (mailed.has(e) ? 'SENT' : 'CANCELLED'))).toEqual([]);

    for (const action of ['resume', 'pause'] as const) {
      const refused = await control(batchId, action);
      expect([refused.status, refused.body]).toEqual([
        409,
        {
          error: expect.stringContaining('CANCELLED'),
          problem: 'INVALID_STATE',
          state: 'CANCELLED',
        },
      ]);
    }
    expect((await campaign(batchId)).counts).toEqual(ended.counts);
  }, 60_000);
});

// At once: the scheduled batches wait for their time, meanwhile the paced batch is measured.
describe.concurrent('scheduled and paced batches', () => {
  it('mails nothing of a batch scheduled 20 s ahead before its sendAt, and all of it after, started by its schedule', async ({
    expect,
  }) => {
    const emails = addressesOf('scheduled', 10);
    const sendAt = new Date(Date.now() + 20_000).toISOString();
    const { batchId, sending } = await upload(emails, { sendAt });
    expect(sending).toEqual({ state: 'SCHEDULED', sendAt, priority: 'normal' });
    const scheduled = await campaign(batchId);
    expect(scheduled.sending).toMatchObject({ state: 'SCHEDULED', sendAt });
    expect(scheduled.counts).toMatchObject({ queued: 0, sent: 0 });

    await expectNoMailUntil('nothing to be mailed before sendAt', emails, 0, Date.parse(sendAt));
    // "Sending starts within a minute after sendAt".
    const done = await finishedCampaign(batchId, 60_000);
    expect(done.counts).toMatchObject({ sent: emails.length, queued: 0, sending: 0 });
    expect(done.sending.state).toBe('FINISHED');
    const changes = done.sending.changes;
    expect(changes.map((change) => [change.state, change.by])).toEqual([
      ['SCHEDULED', 'request'],
      ['SENDING', 'schedule'],
    ]);
    expect(Date.parse(changes[1]?.at ?? '')).toBeGreaterThanOrEqual(Date.parse(sendAt));

    const mails = await mailsTo(emails);
    expect([...mailsPerAddress(mails).keys()].sort()).toEqual([...emails].sort());
    expect(mails).toHaveLength(emails.length);
    // Whole seconds: a mail in sendAt's own second is dated to that second, none to an earlier one.
    expect(Math.min(...secondsOf(mails))).toBeGreaterThanOrEqual(wholeSecond(Date.parse(sendAt)));
  }, 90_000);

  it('mails nothing of a scheduled batch moved further out, nor of one cancelled before it started', async ({
    expect,
  }) => {
    const sendAt = new Date(Date.now() + 12_000).toISOString();
    const [moved, cancelled] = [addressesOf('moved', 5), addressesOf('dropped', 5)];
    const movedBatch = await upload(moved, { sendAt });
    const cancelledBatch = await upload(cancelled, { sendAt });

    const later = new Date(Date.now() + 3_600_000).toISOString();
    const reschedule = await control(movedBatch.batchId, 'schedule', { sendAt: later });
    expect([reschedule.status, reschedule.body.sending]).toEqual([
      200,
      expect.objectContaining({ state: 'SCHEDULED', sendAt: later }),
    ]);
    const cancel = await control(cancelledBatch.batchId, 'cancel');
    expect([cancel.status, (cancel.body.sending as Sending).state]).toEqual([200, 'CANCELLED']);
    const rescheduleCancelled = await control(cancelledBatch.batchId, 'schedule', { sendAt: later });
    expect([rescheduleCancelled.status, rescheduleCancelled.body.state]).toEqual([409, 'CANCELLED']);

    // Past the first sendAt, and as long again as the scheduled test's batch takes to be mailed after its
    // own: the old time must start neither batch.
    await expectNoMailUntil(
      'neither batch to be mailed at the first sendAt',
      [...moved, ...cancelled],
      0,
      Date.parse(sendAt) + STILL_WINDOW_MS,
    );
    const movedNow = await campaign(movedBatch.batchId);
    expect(movedNow.sending).toMatchObject({ state: 'SCHEDULED', sendAt: later });
    expect(movedNow.counts).toMatchObject({ queued: 0, sending: 0, sent: 0 });
    const cancelledNow = await campaign(cancelledBatch.batchId);
    expect(cancelledNow.sending.state).toBe('CANCELLED');
    expect(cancelledNow.sending.changes.map((change) => [change.state, change.by])).toEqual([
      ['SCHEDULED', 'request'],
      ['CANCELLED', 'request'],
    ]);
    expect(cancelledNow.counts).toMatchObject({ queued: 0, sending: 0, sent: 0 });
    // Not left to fire an hour from now in a runner that outlives the test.
    expect((await control(movedBatch.batchId, 'cancel')).status).toBe(200);
  }, 60_000);

  it('keeps a batch with maxRate=2 to at most 2 mails a second (+1 at a second boundary) while the account allows 5', async ({
    expect,
  }) => {
    const maxRate = 2;
    const emails = addressesOf('paced', 12);
    const { batchId, sending, answeredAt } = await upload(emails, { maxRate: String(maxRate) });
    expect(sending).toEqual({ state: 'SENDING', maxRate, priority: 'normal' });
    const done = await finishedCampaign(batchId, 45_000);
    expect(done.counts).toMatchObject({ sent: emails.length, error: 0 });

    const seconds = secondsOf(await mailsTo(emails));
    expect(seconds).toHaveLength(emails.length);
    const perSecond = new Map<number, number>();
    for (const second of seconds) perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    // The batch's slots are counted in whole seconds, maxRate to a second, spread over it. The emulator
    // dates a mail when it takes it, a little after its slot (the account's pacing, the SES call): a mail
    // of one second's slots near its end may be dated to the next, which then shows one more than its own.
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(maxRate + 1);
    // 12 sends need 6 seconds' slots, the first no earlier than the upload's second: the last mail comes
    // at least 5 whole seconds after it (at the account's rate alone the batch would take about 2.5 s).
    expect(Math.max(...seconds) - wholeSecond(answeredAt)).toBeGreaterThanOrEqual(
      emails.length / maxRate - 1,
    );
  }, 60_000);
});

describe('a batch of high priority', () => {
  it('overtakes a large normal batch queued before it, while the normal batch keeps mailing and the account rate holds', async ({
    expect,
  }) => {
    const normalEmails = addressesOf('backlog', 80);
    const highEmails = addressesOf('urgent', 12);
    const normal = await upload(normalEmails);
    await underWay(normalEmails, 5);
    const high = await upload(highEmails, { priority: 'high' });
    expect(high.sending).toEqual({ state: 'SENDING', priority: 'high' });

    // At 5/s the 80 take 16 s alone; the 12 of high priority, at 4/s once the normal lane gave way, about 3 s.
    const highDone = await finishedCampaign(high.batchId, 45_000);
    expect(highDone.counts).toMatchObject({ sent: highEmails.length, error: 0 });
    // Finished first: the normal batch, uploaded before it, still has sends to mail.
    const normalThen = await campaign(normal.batchId);
    expect(normalThen.finished).toBe(false);
    expect(normalThen.counts.queued + normalThen.counts.sending).toBeGreaterThan(0);

    const normalMails = await mailsTo(normalEmails);
    const highMails = await mailsTo(highEmails);
    expect(normalMails.length).toBeLessThan(normalEmails.length);
    // Each address once.
    expect([...mailsPerAddress([...normalMails, ...highMails]).values()].every((n) => n === 1)).toBe(true);
    // The normal batch was not stopped while the high one went out: it kept a share of the rate.
    const [firstHigh, lastHigh] = [Math.min(...secondsOf(highMails)), Math.max(...secondsOf(highMails))];
    const normalMeanwhile = secondsOf(normalMails).filter((s) => s >= firstHigh && s <= lastHigh);
    expect(normalMeanwhile.length).toBeGreaterThan(0);
    // Together never above the account's 5 a second, but for one second boundary's jitter and the normal
    // lane's one slot already set when it gives way.
    const perSecond = new Map<number, number>();
    for (const second of secondsOf([...normalMails, ...highMails]))
      perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(ACCOUNT_RATE + 2);
    // The rest of the backlog is not this test's: it would only hold up the file's next runner.
    expect((await control(normal.batchId, 'cancel')).status).toBe(200);
  }, 90_000);
});
