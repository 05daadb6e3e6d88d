import { describe, it } from 'vitest';
import { campaignApi, mailsPerAddress } from '../helpers/campaign-api.js';
import { runnerForThisFile } from '../helpers/local-runner-process.js';
import { pollUntil } from '../helpers/poll.js';

/**
 * The guardrail (issue 15) through `npm start`: SES's mailbox simulator bounces every mail to
 * `bounce+<label>@simulator.amazonses.com` (the runner publishes its Bounce a second after the mail), the
 * events function counts it, and a batch whose hard bounces pass 5 % of its mails, or of 100 while it has
 * fewer, is paused by the guardrail until the marketer resumes it.
 *
 * The numbers make the outcome certain whatever the timing:
 * - The writer puts a file on the send queue 25 rows at a time (INGEST_CHUNK_ROWS, its least), each chunk
 *   after the one before: the rows at the head of the file are among the batch's first mails. (Inside a
 *   chunk the order is SQS's and the senders': a row's place promises no more than its chunk's.)
 * - Six bounces are the fewest that pass 5 % of 100 mails: a batch with exactly six bounce rows at its head
 *   is paused once all six are counted, a few seconds into it, and no bounce is left for after its resume.
 * - At 10 mails a second for the account (shared with the control batch), the pause (those seconds, the
 *   events' second, the senders' 3 s trust in the state they read) comes long before the batch's 150 mails
 *   are out, and before its 120th (6 of 120 is not above 5 %), so its rate is above 5 % when it stops.
 */
const ACCOUNT_RATE = 10;
// WARN: the guardrail's log line reaches the runner's output (metrics are off locally: see below).
const local = runnerForThisFile({
  MAX_SEND_RATE: String(ACCOUNT_RATE),
  INGEST_CHUNK_ROWS: '25',
  POWERTOOLS_LOG_LEVEL: 'WARN',
});
const {
  api,
  upload,
  campaign,
  control,
  mailsTo,
  statusesOf,
  expectNoMailUntil,
  finishedCampaign,
  mailsStopped,
} = campaignApi(local);

/** How long a paused batch is watched for a mail that should not come: an observation, not a speed claim. */
const STILL_WINDOW_MS = 5_000;
/** The guardrail's default limit (MAX_BOUNCE_RATE_PERCENT=5). */
const MAX_BOUNCE_RATE = 0.05;
/** The fewest hard bounces that pass MAX_BOUNCE_RATE of 100 mails. */
const PAUSING_BOUNCES = 6;

/** `n` addresses of one mailbox simulator scenario, labelled for this run only: the counts are this test's own. */
function simulatorAddresses(scenario: 'bounce' | 'success', tag: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${scenario}+${tag}-${i}@simulator.amazonses.com`);
}

const runTag = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;

/**
 * The runner's log lines saying the guardrail paused this batch. Locally the metric
 * (BatchesPausedByGuardrail, behind the batch-paused-by-guardrail alarm) is not printed
 * (POWERTOOLS_METRICS_DISABLED): the events function counts it in the same step as it logs this line.
 */
const guardrailLogLines = (batchId: string) =>
  local.runner
    .output()
    .split('\n')
    .filter((line) => line.includes('batch paused by the guardrail') && line.includes(batchId));

/** Waits until SES's events of every mail the batch has had are counted: none is left merely SENT. */
const eventsCounted = (batchId: string, expected: { bounced: number; delivered: number }) =>
  pollUntil(
    `the events of batch ${batchId} to be counted (${JSON.stringify(expected)})`,
    () => campaign(batchId),
    (seen) => seen.counts.bounced === expected.bounced && seen.counts.delivered === expected.delivered,
    { timeoutMs: 20_000, intervalMs: 250 },
  );

// At once: the two batches share the account's rate, which leaves the guarded one slower still, and the file
// shorter.
describe.concurrent('the guardrail through the local runner', () => {
  it('pauses a batch whose first 6 rows of 150 bounce, keeps it still, suppresses the bounced addresses, and a deliberate resume mails each remaining address once', async ({
    expect,
  }) => {
    const tag = runTag('guarded');
    const bounced = simulatorAddresses('bounce', tag, PAUSING_BOUNCES);
    const delivered = simulatorAddresses('success', tag, 144);
    const emails = [...bounced, ...delivered];
    const { batchId } = await upload(emails);

    // The pause comes from the events of the six bounces, seconds after their mails; the batch takes 15 s
    // at the account's rate.
    const pausedNow = await pollUntil(
      'the guardrail to pause the batch',
      () => campaign(batchId),
      (seen) => seen.sending.state !== 'SENDING',
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(pausedNow.sending.state, local.runner.output()).toBe('PAUSED');

    await mailsStopped(emails, { quietMs: 2_000, timeoutMs: 15_000 });
    const atPause = await mailsTo(emails);
    expect(atPause.length).toBeLessThan(emails.length);
    const mailedAtPause = new Set(atPause.map((mail) => mail.destination.to[0]));
    // The pause needed every bounce row's event: each was mailed, and none is left for after the resume.
    expect(bounced.filter((email) => !mailedAtPause.has(email))).toEqual([]);
    await expectNoMailUntil(
      'the batch paused by the guardrail to stay still',
      emails,
      atPause.length,
      Date.now() + STILL_WINDOW_MS,
    );

    const paused = await eventsCounted(batchId, {
      bounced: bounced.length,
      delivered: atPause.length - bounced.length,
    });
    expect(paused.sending.state).toBe('PAUSED');
    expect(paused.sending.changes.map((change) => [change.state, change.by])).toEqual([
      ['SENDING', 'request'],
      ['PAUSED', 'guardrail'],
    ]);
    expect(paused.sending.changes.at(-1)?.reason).toMatch(
      /^bounce rate \d+\.\d % of \d+ mails.* above 5\.0 %/,
    );
    expect(paused.bounceRate).toBeGreaterThan(MAX_BOUNCE_RATE);
    expect(paused.counts).toMatchObject({ error: 0, cancelled: 0, sent: 0 });
    expect(guardrailLogLines(batchId)).toHaveLength(1);

    // Each bounced address is BOUNCED and on the suppression list, put there by this batch.
    const statuses = await statusesOf(batchId);
    expect(bounced.filter((email) => statuses.get(email) !== 'BOUNCED')).toEqual([]);
    for (const email of bounced) {
      const response = await api(`/suppressions?email=${encodeURIComponent(email)}`);
      expect([response.status, await response.json()]).toEqual([
        200,
        expect.objectContaining({ email, reason: 'BOUNCED', detail: 'General', sourceBatchId: batchId }),
      ]);
    }

    // A deliberate resume: no bounce comes after it, so the guardrail does not pause the batch again.
    const resume = await control(batchId, 'resume');
    expect([resume.status, (resume.body.sending as { state: string }).state]).toEqual([200, 'SENDING']);
    const done = await finishedCampaign(batchId, 40_000);
    expect(done.counts).toMatchObject({ queued: 0, sending: 0, cancelled: 0, error: 0, suppressed: 0 });
    const settled = await eventsCounted(batchId, { bounced: bounced.length, delivered: delivered.length });
    expect(settled.sending.state).toBe('FINISHED');
    expect(settled.sending.changes.map((change) => [change.state, change.by])).toEqual([
      ['SENDING', 'request'],
      ['PAUSED', 'guardrail'],
      ['SENDING', 'request'],
    ]);
    expect(settled.bounceRate).toBe(bounced.length / emails.length);

    const perAddress = mailsPerAddress(await mailsTo(emails));
    expect([...perAddress.keys()].sort()).toEqual([...emails].sort());
    expect([...perAddress.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expect(guardrailLogLines(batchId)).toHaveLength(1);
  }, 90_000);

  it('leaves a batch with 4 bounces in 120 mails sending to its end: two among its first mails, two around its 80th', async ({
    expect,
  }) => {
    const tag = runTag('control');
    const emails = simulatorAddresses('success', tag, 120);
    const bounced = simulatorAddresses('bounce', tag, 4);
    // Two bounce among its first mails (a rate of tens of percent, but 2 of the 100 mails it is judged on
    // at least), two around its 80th (4 of 100, and 3.3 % of its 120 in the end: under the limit).
    emails.splice(0, 2, ...bounced.slice(0, 2));
    emails.splice(80, 2, ...bounced.slice(2));
    const { batchId } = await upload(emails);

    // Its share of the account's rate: half of it while the guarded batch sends.
    const done = await finishedCampaign(batchId, 45_000);
    expect(done.counts).toMatchObject({ queued: 0, sending: 0, cancelled: 0, error: 0 });
    const settled = await eventsCounted(batchId, {
      bounced: bounced.length,
      delivered: emails.length - bounced.length,
    });
    expect(settled.sending.state).toBe('FINISHED');
    expect(settled.sending.changes.map((change) => [change.state, change.by])).toEqual([
      ['SENDING', 'request'],
    ]);
    expect(settled.bounceRate).toBe(bounced.length / emails.length);
    expect(guardrailLogLines(batchId)).toEqual([]);

    const perAddress = mailsPerAddress(await mailsTo(emails));
    expect([...perAddress.keys()].sort()).toEqual([...emails].sort());
    expect([...perAddress.values()].every((n) => n === 1)).toBe(true);
  }, 90_000);
});
