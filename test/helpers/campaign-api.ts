import { expect } from 'vitest';
import type { Campaign } from '../../lambdas/contract/api-schemas.js';
import type { SesStoredMail } from './aws-emulators.js';
import { graphql, type RunnerProcess } from './local-runner-process.js';
import { pollUntil } from './poll.js';

/**
 * A campaign as a marketer drives it through a local runner (`npm start`): its upload, its state
 * (GET /campaigns/{batchId}), its control routes, and what its recipients got (the SES emulator's store).
 */
export type CampaignView = Campaign;
export type Sending = Campaign['sending'];
export type ControlAction = 'pause' | 'resume' | 'cancel' | 'schedule';

export interface CampaignApi {
  /** Calls the runner's API with its development key. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** Uploads one mail per address as a text/csv body, with the send options as query parameters. */
  upload(
    emails: string[],
    options?: Record<string, string>,
  ): Promise<{ batchId: string; accepted: number; sending: Sending; answeredAt: number }>;
  campaign(batchId: string): Promise<CampaignView>;
  control(
    batchId: string,
    action: ControlAction,
    body?: object,
  ): Promise<{ status: number; body: Record<string, unknown>; answeredAt: number }>;
  /** The mails the SES emulator took for these addresses, in the order it took them. */
  mailsTo(emails: string[]): Promise<SesStoredMail[]>;
  /** Each send's address and status, as GraphQL lists them for the batch (up to 1,000). */
  statusesOf(batchId: string): Promise<Map<string, string>>;
  /**
   * Watches the addresses' mails until `until` (epoch ms) and fails at the first probe that sees their
   * count differ from `expected`: an observation window, not a timing assertion.
   */
  expectNoMailUntil(what: string, emails: string[], expected: number, until: number): Promise<void>;
  /** Waits until at least `count` of these addresses were mailed: the campaign is under way. */
  underWay(emails: string[], count: number): Promise<void>;
  /** Waits until the batch's state says every send has ended, and returns it. */
  finishedCampaign(batchId: string, timeoutMs: number): Promise<CampaignView>;
  /**
   * Waits until no mail to these addresses has come for `quietMs` (a stopped batch: senders trust its
   * state for up to 3 s, and a mail already past that check still goes out), failing after `timeoutMs`.
   */
  mailsStopped(emails: string[], options: { quietMs: number; timeoutMs: number }): Promise<void>;
}

/** A runner's campaign API; `local` is read at each call (runnerForThisFile fills it in beforeAll). */
export function campaignApi(local: { runner: RunnerProcess }): CampaignApi {
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${local.runner.apiUrl}${path}`, {
      ...init,
      headers: { 'x-api-key': local.runner.apiKey, ...init.headers },
    });

  const campaign = async (batchId: string): Promise<CampaignView> => {
    const response = await api(`/campaigns/${batchId}`);
    expect(response.status).toBe(200);
    return (await response.json()) as CampaignView;
  };

  const mailsTo = async (emails: string[]): Promise<SesStoredMail[]> => {
    const wanted = new Set(emails);
    const response = await fetch(`${local.runner.mailViewerUrl}/store`);
    const { emails: stored } = (await response.json()) as { emails: SesStoredMail[] };
    return stored.filter((mail) => wanted.has(mail.destination.to[0] ?? ''));
  };

  return {
    api,
    campaign,
    mailsTo,
    async upload(emails, options = {}) {
      const query = new URLSearchParams(options).toString();
      const response = await api(`/campaigns/upload${query ? `?${query}` : ''}`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: `email,subject,content\n${emails.map((e, i) => `${e},Hello ${i},Body ${i}`).join('\n')}\n`,
      });
      const answeredAt = Date.now();
      const body = (await response.json()) as { batchId: string; accepted: number; sending: Sending };
      expect([response.status, body.accepted], local.runner.output()).toEqual([202, emails.length]);
      return { ...body, answeredAt };
    },
    async control(batchId, action, body) {
      const response = await api(`/campaigns/${batchId}/${action}`, {
        method: 'POST',
        ...(body === undefined
          ? {}
          : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
      return {
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
        answeredAt: Date.now(),
      };
    },
    async statusesOf(batchId) {
      const { emailSends } = await graphql<{ emailSends: { email: string; status: string }[] }>(
        local.runner,
        'query($id: String!) { emailSends(batchId: $id, limit: 1000) { email status } }',
        { id: batchId },
      );
      return new Map(emailSends.map((send) => [send.email, send.status]));
    },
    async expectNoMailUntil(what, emails, expected, until) {
      await pollUntil(
        what,
        async () => {
          const seen = (await mailsTo(emails)).length;
          if (seen !== expected)
            throw new Error(`${what}: ${seen - expected} mail(s) arrived while none may (${seen} in all)`);
          return Date.now();
        },
        (now) => now >= until,
        { timeoutMs: until - Date.now() + 5_000, intervalMs: 250 },
      );
    },
    async underWay(emails, count) {
      await pollUntil(
        `the campaign to be under way (${count} mails)`,
        async () => (await mailsTo(emails)).length,
        (mailed) => mailed >= count,
        { intervalMs: 100 },
      );
    },
    async mailsStopped(emails, { quietMs, timeoutMs }) {
      let last = { count: -1, since: Date.now() };
      await pollUntil(
        'the mail count to stop growing',
        async () => {
          const count = (await mailsTo(emails)).length;
          if (count !== last.count) last = { count, since: Date.now() };
          return last;
        },
        (seen) => Date.now() - seen.since >= quietMs,
        { timeoutMs, intervalMs: 250 },
      );
    },
    finishedCampaign: (batchId, timeoutMs) =>
      pollUntil(
        `batch ${batchId} to finish`,
        () => campaign(batchId),
        (seen) => seen.finished,
        { timeoutMs, intervalMs: 250 },
      ),
  };
}

/** How many mails each address got: an address mailed twice shows 2. */
export function mailsPerAddress(mails: SesStoredMail[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const mail of mails) {
    const to = mail.destination.to[0] ?? '';
    counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}
