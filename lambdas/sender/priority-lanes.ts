import type { SQSEvent } from 'aws-lambda';
import type { PrioritySignalStore } from '../core/store/priority-signal-store.js';

/**
 * Two lanes share the account's send rate: the sends of `priority=high` batches (their own queue) and
 * the others. While high-priority sends are being mailed they take HIGH_LANE_SHARE of the rate and the
 * normal lane the rest, so that a high batch overtakes a normal backlog already queued and the normal
 * campaigns still move (never starved: they keep a fifth of the rate however long high batches come).
 * When no high-priority send has been mailed for a lease, the normal lane has the whole rate again.
 *
 * The lanes agree through one DynamoDB item (priority-signal-store.ts), not through the queues' depths
 * (approximate, minutes late): a high sender raises the signal before its first mail and extends it while
 * it mails; a normal sender reads it at most every SIGNAL_TRUST_MS. A high sender mails only once every
 * normal sender must have seen the signal (SIGNAL_NOTICE_MS after it went up), so the two lanes together
 * never pace above the rate; the price is a wait of a few seconds before a high batch's first mail.
 */
export type SendLane = 'high' | 'normal';

/** The share of the send rate high-priority sends take while there are any. */
export const HIGH_LANE_SHARE = 0.8;
/** How long a normal sender trusts its last read of the signal. */
export const SIGNAL_TRUST_MS = 3_000;
/**
 * How long after a raise every normal sender has seen it: their trust plus a second for the clocks of
 * different containers (Lambda's are NTP-synchronised to milliseconds).
 */
export const SIGNAL_NOTICE_MS = SIGNAL_TRUST_MS + 1_000;
/** How long one raise keeps the signal up: after the last high mail, the normal lane waits this long for its full rate. */
export const SIGNAL_LEASE_MS = 10_000;

/** What pacing asks of a lane: the share of the rate to pace at, and leave before each SES call. */
export interface RateLane {
  /** The share of the send rate this lane may use now (1: all of it). */
  share(): Promise<number>;
  /** Resolves when this lane may make the SES call it has a slot for. */
  hold(): Promise<void>;
  /** Milliseconds hold may wait, at most, before the next SES call (to check it against a deadline). */
  holdWaitMs(): number;
}

export interface LaneClock {
  /** Epoch milliseconds: the signal is compared across containers. */
  nowMs(): number;
  sleep(ms: number): Promise<void>;
}

/**
 * The high lane of one container: keeps the signal up for the next SIGNAL_LEASE_MS before each mail
 * (one UpdateItem when less than SIGNAL_LEASE_MS − SIGNAL_TRUST_MS is left, so about one write per
 * SIGNAL_TRUST_MS of mailing), and waits, when the signal has just gone up, until every normal sender
 * has seen it.
 */
export class HighLane implements RateLane {
  private upUntil = Number.NEGATIVE_INFINITY;
  private mailFrom = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly signal: Pick<PrioritySignalStore, 'raise'>,
    private readonly clock: LaneClock,
  ) {}

  async share(): Promise<number> {
    return HIGH_LANE_SHARE;
  }

  async hold(): Promise<void> {
    const now = this.clock.nowMs();
    if (this.upUntil - now < SIGNAL_LEASE_MS - SIGNAL_TRUST_MS) {
      const raised = await this.signal.raise(now, now + SIGNAL_LEASE_MS, SIGNAL_NOTICE_MS);
      this.upUntil = raised.upUntil;
      this.mailFrom = raised.since + SIGNAL_NOTICE_MS;
    }
    const wait = this.mailFrom - this.clock.nowMs();
    if (wait > 0) await this.clock.sleep(wait);
  }

  holdWaitMs(): number {
    const now = this.clock.nowMs();
    // A signal that may be down by the next mail may have to start a new stretch, and wait its notice.
    if (this.upUntil - now < SIGNAL_NOTICE_MS) return SIGNAL_NOTICE_MS;
    return Math.max(0, this.mailFrom - now);
  }
}

/** The normal lane of one container: the whole rate, or what the high lane leaves while its signal is up. */
export class NormalLane implements RateLane {
  private seen: { upUntil: number; readAt: number } | undefined;

  constructor(
    private readonly signal: Pick<PrioritySignalStore, 'read'>,
    private readonly clock: Pick<LaneClock, 'nowMs'>,
  ) {}

  async share(): Promise<number> {
    const now = this.clock.nowMs();
    if (this.seen === undefined || now - this.seen.readAt >= SIGNAL_TRUST_MS) {
      const signal = await this.signal.read();
      // Dated from before the read: the trust ends no later than it should.
      this.seen = { upUntil: signal?.upUntil ?? Number.NEGATIVE_INFINITY, readAt: now };
    }
    return this.seen.upUntil > now ? 1 - HIGH_LANE_SHARE : 1;
  }

  async hold(): Promise<void> {}

  holdWaitMs(): number {
    return 0;
  }
}

/** The name of a queue from its URL (`…/<account>/<name>`) or its ARN (`arn:aws:sqs:…:<name>`). */
const queueNameOf = (urlOrArn: string) => urlOrArn.split(/[/:]/).at(-1) ?? '';

/**
 * The lane of an invocation: its records come from one event source, the high-priority queue or the
 * send queue. Without a high-priority queue configured, every invocation is of the normal lane.
 */
export function laneOfEvent(event: SQSEvent, priorityQueueUrl: string | undefined): SendLane {
  const source = event.Records[0]?.eventSourceARN;
  if (priorityQueueUrl === undefined || source === undefined) return 'normal';
  return queueNameOf(source) === queueNameOf(priorityQueueUrl) ? 'high' : 'normal';
}
