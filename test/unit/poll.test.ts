import { describe, expect, it } from 'vitest';
import { pollUntil } from '../helpers/poll.js';

describe('pollUntil, the tests’ one way to wait', () => {
  it('returns the first value that satisfies the condition', async () => {
    let probes = 0;
    const seen = await pollUntil(
      'the third probe',
      async () => ++probes,
      (n) => n === 3,
      { intervalMs: 1 },
    );
    expect([seen, probes]).toEqual([3, 3]);
  });

  it('gives up after its deadline, naming what it waited for and the last value it saw', async () => {
    let probes = 0;
    const error = await pollUntil(
      'the counter to reach 1000',
      async () => ({ counter: ++probes }),
      (v) => v.counter >= 1000,
      { timeoutMs: 50, intervalMs: 1 },
    ).catch((thrown: unknown) => thrown);
    expect(error).toEqual(
      new Error(
        `gave up after 50 ms waiting for the counter to reach 1000; last saw: { counter: ${probes} }`,
      ),
    );
  });

  it('shows a string it last saw as it is, line breaks included', async () => {
    await expect(
      pollUntil(
        'a line that never comes',
        async () => 'first line\nsecond line',
        (text) => text.includes('API:'),
        {
          timeoutMs: 1,
          intervalMs: 1,
        },
      ),
    ).rejects.toThrow('waiting for a line that never comes; last saw: \nfirst line\nsecond line');
  });

  it('stops at once when the probe throws', async () => {
    let probes = 0;
    await expect(
      pollUntil(
        'anything',
        async () => {
          probes += 1;
          throw new Error('the process exited');
        },
        () => false,
      ),
    ).rejects.toThrow('the process exited');
    expect(probes).toBe(1);
  });
});
