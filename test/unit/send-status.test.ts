import { describe, expect, it } from 'vitest';
import {
  canTransition,
  isFinal,
  isSendStatus,
  isSettled,
  SEND_STATUSES,
  type SendStatus,
  statusesBefore,
  wasMailed,
} from '../../lambdas/core/domain/send-status.js';

const ALLOWED: [SendStatus, SendStatus][] = [
  ['QUEUED', 'SENDING'],
  ['QUEUED', 'SUPPRESSED'],
  ['QUEUED', 'CANCELLED'],
  ['QUEUED', 'ERROR'],
  ['SENDING', 'SENT'],
  ['SENDING', 'DELIVERED'],
  ['SENDING', 'BOUNCED'],
  ['SENDING', 'COMPLAINED'],
  ['SENDING', 'REJECTED'],
  ['SENDING', 'SUPPRESSED'],
  ['SENDING', 'CANCELLED'],
  ['SENDING', 'ERROR'],
  ['SENT', 'DELIVERED'],
  ['SENT', 'BOUNCED'],
  ['SENT', 'COMPLAINED'],
  ['SENT', 'REJECTED'],
  ['DELIVERED', 'BOUNCED'],
  ['DELIVERED', 'COMPLAINED'],
  ['BOUNCED', 'COMPLAINED'],
];

const REFUSED = SEND_STATUSES.flatMap((from) =>
  SEND_STATUSES.filter((to) => !ALLOWED.some(([f, t]) => f === from && t === to)).map(
    (to) => [from, to] as [SendStatus, SendStatus],
  ),
);

describe('send status life cycle', () => {
  it('has exactly these statuses: a send is born QUEUED, there is no status before the queue', () => {
    expect(SEND_STATUSES).toEqual([
      'QUEUED',
      'SENDING',
      'SENT',
      'DELIVERED',
      'BOUNCED',
      'COMPLAINED',
      'REJECTED',
      'SUPPRESSED',
      'CANCELLED',
      'ERROR',
    ]);
    expect(isSendStatus('PENDING')).toBe(false);
  });

  it.each(ALLOWED)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it('refuses every other move: backwards, down the rank of SES events, out of a final status, to the same status', () => {
    expect(REFUSED).toHaveLength(SEND_STATUSES.length ** 2 - ALLOWED.length);
    expect(REFUSED).toEqual(
      expect.arrayContaining([
        ['SENDING', 'QUEUED'],
        ['SENT', 'SENDING'],
        ['SENT', 'ERROR'],
        ['SENT', 'SUPPRESSED'],
        ['DELIVERED', 'SENT'],
        ['BOUNCED', 'DELIVERED'],
        ['COMPLAINED', 'BOUNCED'],
        ['COMPLAINED', 'DELIVERED'],
        ['REJECTED', 'DELIVERED'],
        ['DELIVERED', 'REJECTED'],
        ['SUPPRESSED', 'SENDING'],
        ['ERROR', 'SENT'],
        ['QUEUED', 'SENT'],
        ['QUEUED', 'DELIVERED'],
        ['SENT', 'SENT'],
      ]),
    );
    for (const [from, to] of REFUSED) expect(canTransition(from, to), `${from} → ${to}`).toBe(false);
  });

  it.each([
    ['QUEUED', []],
    ['SENDING', ['QUEUED']],
    ['SENT', ['SENDING']],
    ['DELIVERED', ['SENDING', 'SENT']],
    ['BOUNCED', ['SENDING', 'SENT', 'DELIVERED']],
    ['COMPLAINED', ['SENDING', 'SENT', 'DELIVERED', 'BOUNCED']],
    ['SUPPRESSED', ['QUEUED', 'SENDING']],
    ['CANCELLED', ['QUEUED', 'SENDING']],
    ['ERROR', ['QUEUED', 'SENDING']],
  ] as [SendStatus, SendStatus[]][])('lists the statuses a send may leave for %s: %j', (to, from) => {
    expect(statusesBefore(to)).toEqual(from);
  });

  it('treats COMPLAINED, REJECTED, SUPPRESSED, CANCELLED and ERROR as final; SENT, DELIVERED and BOUNCED wait for SES events', () => {
    expect(SEND_STATUSES.filter(isFinal)).toEqual([
      'COMPLAINED',
      'REJECTED',
      'SUPPRESSED',
      'CANCELLED',
      'ERROR',
    ]);
    expect(SEND_STATUSES.filter(isSettled)).toEqual(SEND_STATUSES.slice(2));
  });

  it('counts a send as mailed once SES accepted it, whatever it said after', () => {
    expect(SEND_STATUSES.filter(wasMailed)).toEqual([
      'SENT',
      'DELIVERED',
      'BOUNCED',
      'COMPLAINED',
      'REJECTED',
    ]);
  });

  it('recognises the status names exactly', () => {
    expect(isSendStatus('SENT')).toBe(true);
    expect(isSendStatus('sent')).toBe(false);
    expect(isSendStatus('delivered')).toBe(false);
    expect(isSendStatus('')).toBe(false);
  });
});
