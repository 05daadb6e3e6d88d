import { describe, expect, it } from 'vitest';
import {
  canTransition,
  isFinal,
  isSendStatus,
  SEND_STATUSES,
  type SendStatus,
  statusesBefore,
} from '../../lambdas/core/domain/send-status.js';

const ALLOWED: [SendStatus, SendStatus][] = [
  ['QUEUED', 'SENDING'],
  ['QUEUED', 'ERROR'],
  ['SENDING', 'SENT'],
  ['SENDING', 'ERROR'],
];

const REFUSED = SEND_STATUSES.flatMap((from) =>
  SEND_STATUSES.filter((to) => !ALLOWED.some(([f, t]) => f === from && t === to)).map(
    (to) => [from, to] as [SendStatus, SendStatus],
  ),
);

describe('send status life cycle', () => {
  it('has exactly these statuses: a send is born QUEUED, there is no status before the queue', () => {
    expect(SEND_STATUSES).toEqual(['QUEUED', 'SENDING', 'SENT', 'ERROR']);
    expect(isSendStatus('PENDING')).toBe(false);
  });

  it.each(ALLOWED)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it('refuses the 12 other moves, among them every move backwards, out of a final status or to the same status', () => {
    expect(REFUSED).toHaveLength(12);
    expect(REFUSED).toEqual(
      expect.arrayContaining([
        ['SENDING', 'QUEUED'],
        ['SENT', 'SENDING'],
        ['SENT', 'QUEUED'],
        ['SENT', 'ERROR'],
        ['ERROR', 'QUEUED'],
        ['ERROR', 'SENDING'],
        ['ERROR', 'SENT'],
        ['QUEUED', 'SENT'],
        ['QUEUED', 'QUEUED'],
        ['SENDING', 'SENDING'],
      ]),
    );
    for (const [from, to] of REFUSED) expect(canTransition(from, to), `${from} → ${to}`).toBe(false);
  });

  it.each([
    ['QUEUED', []],
    ['SENDING', ['QUEUED']],
    ['SENT', ['SENDING']],
    ['ERROR', ['QUEUED', 'SENDING']],
  ] as [SendStatus, SendStatus[]][])('lists the statuses a send may leave for %s: %j', (to, from) => {
    expect(statusesBefore(to)).toEqual(from);
  });

  it('treats SENT and ERROR as final and the others as not', () => {
    expect(SEND_STATUSES.filter(isFinal)).toEqual(['SENT', 'ERROR']);
  });

  it('recognises the status names exactly', () => {
    expect(isSendStatus('SENT')).toBe(true);
    expect(isSendStatus('sent')).toBe(false);
    expect(isSendStatus('DELIVERED')).toBe(false);
    expect(isSendStatus('')).toBe(false);
  });
});
