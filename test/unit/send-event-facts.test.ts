import { describe, expect, it } from 'vitest';
import { type EventFact, factReplaces } from '../../lambdas/core/domain/send-event-update.js';

const bounce = (type: string, at: string): EventFact => ({
  name: 'bounce',
  value: { at, type, subtype: 'General' },
  keep: 'strongest',
});

describe('which of two facts of one name a send keeps', () => {
  it('writes any fact the send does not have yet', () => {
    expect(
      factReplaces({ name: 'delivery', value: { at: '2025-03-04T10:00:01.000Z' }, keep: 'first' }, undefined),
    ).toBe(true);
  });

  it('keeps the first delivery, complaint and reject: a repeated one writes nothing', () => {
    const delivery: EventFact = {
      name: 'delivery',
      value: { at: '2025-03-04T10:00:01.000Z' },
      keep: 'first',
    };
    expect(factReplaces(delivery, delivery.value)).toBe(false);
    expect(factReplaces(delivery, { at: '2025-03-04T09:00:00.000Z' })).toBe(false);
  });

  it('keeps the earliest open and click, whatever order they come in', () => {
    const open = (at: string): EventFact => ({ name: 'firstOpenedAt', value: at, keep: 'earliest' });
    expect(factReplaces(open('2025-03-04T11:00:00.000Z'), '2025-03-04T12:00:00.000Z')).toBe(true);
    expect(factReplaces(open('2025-03-04T12:00:00.000Z'), '2025-03-04T11:00:00.000Z')).toBe(false);
    expect(factReplaces(open('2025-03-04T11:00:00.000Z'), '2025-03-04T11:00:00.000Z')).toBe(false);
  });

  it('keeps the latest delivery delay; the same one again writes nothing', () => {
    const delay = (at: string): EventFact => ({
      name: 'deliveryDelay',
      value: { at, type: 'MailboxFull' },
      keep: 'latest',
    });
    expect(
      factReplaces(delay('2025-03-04T12:00:00.000Z'), { at: '2025-03-04T11:00:00.000Z', type: 'General' }),
    ).toBe(true);
    expect(
      factReplaces(delay('2025-03-04T11:00:00.000Z'), { at: '2025-03-04T12:00:00.000Z', type: 'General' }),
    ).toBe(false);
    expect(
      factReplaces(delay('2025-03-04T12:00:00.000Z'), { at: '2025-03-04T12:00:00.000Z', type: 'General' }),
    ).toBe(false);
  });

  it('lets a permanent bounce replace a transient one, never the reverse, and keeps the first of equals', () => {
    const transient = bounce('Transient', '2025-03-04T10:00:00.000Z').value;
    const permanent = bounce('Permanent', '2025-03-04T11:00:00.000Z').value;
    expect(factReplaces(bounce('Permanent', '2025-03-04T11:00:00.000Z'), transient)).toBe(true);
    expect(factReplaces(bounce('Transient', '2025-03-04T12:00:00.000Z'), permanent)).toBe(false);
    expect(factReplaces(bounce('Permanent', '2025-03-04T12:00:00.000Z'), permanent)).toBe(false);
    expect(factReplaces(bounce('Undetermined', '2025-03-04T12:00:00.000Z'), transient)).toBe(false);
  });
});
