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
  ['PENDING', 'QUEUED'],
  ['PENDING', 'SENDING'],
  ['PENDING', 'ERROR'],
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
  it('has exactly these statuses', () => {
    expect(SEND_STATUSES).toEqual(['PENDING', 'QUEUED', 'SENDING', 'SENT', 'ERROR']);
  });

  it.each(ALLOWED)('allows %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it('refuses the 18 other moves, among them every move backwards, out of a final status or to the same status', () => {
    expect(REFUSED).toHaveLength(18);
    expect(REFUSED).toEqual(
      expect.arrayContaining([
        ['QUEUED', 'PENDING'],
        ['SENDING', 'QUEUED'],
        ['SENDING', 'PENDING'],
        ['SENT', 'SENDING'],
        ['SENT', 'ERROR'],
        ['ERROR', 'QUEUED'],
        ['ERROR', 'SENT'],
        ['PENDING', 'SENT'],
        ['QUEUED', 'SENT'],
        ['SENDING', 'SENDING'],
      ]),
    );
    for (const [from, to] of REFUSED) expect(canTransition(from, to), `${from} → ${to}`).toBe(false);
  });

  it.each([
    ['PENDING', []],
    ['QUEUED', ['PENDING']],
    ['SENDING', ['PENDING', 'QUEUED']],
    ['SENT', ['SENDING']],
    ['ERROR', ['PENDING', 'QUEUED', 'SENDING']],
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
