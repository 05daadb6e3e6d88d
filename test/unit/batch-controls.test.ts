import { describe, expect, it } from 'vitest';
import type { BatchControl } from '../../lambdas/core/store/batch-control-store.js';
import { BatchControls, CONTROL_CACHE_MS } from '../../lambdas/sender/batch-controls.js';

describe("a sender's view of its batches' state", () => {
  it('reads a batch once per 3 s: a pause reaches it within that time', async () => {
    let now = 0;
    let state: BatchControl['state'] = 'SENDING';
    let reads = 0;
    const controls = new BatchControls(
      {
        get: async (batchId) => {
          reads += 1;
          return { batchId, state, changes: [] };
        },
      },
      () => now,
    );
    expect((await controls.of('b')).state).toBe('SENDING');
    state = 'PAUSED';
    now = CONTROL_CACHE_MS - 1;
    expect((await controls.of('b')).state).toBe('SENDING');
    now = CONTROL_CACHE_MS;
    expect((await controls.of('b')).state).toBe('PAUSED');
    expect(reads).toBe(2);
  });

  it('takes a batch without a control item (uploaded before batches had one) as sending', async () => {
    const controls = new BatchControls({ get: async () => undefined }, () => 0);
    expect(await controls.of('old')).toEqual({ state: 'SENDING' });
  });
});
