import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchControlStore } from '../../lambdas/core/store/batch-control-store.js';
import { startTestAws, type TestAws } from '../helpers/aws-emulators.js';

let aws: TestAws;
let store: BatchControlStore;
beforeAll(async () => {
  aws = await startTestAws();
  store = new BatchControlStore(aws.clients.documents, aws.tableName);
});
afterAll(() => aws.stop());

const at = (s: number) => new Date(Date.UTC(2026, 11, 3, 9, 0, s));
let n = 0;
async function batch(state: 'SCHEDULED' | 'SENDING' = 'SENDING'): Promise<string> {
  n += 1;
  const batchId = `control-${n}`;
  expect(await store.create({ batchId, state }, at(0), 2_000_000_000)).toBe('created');
  return batchId;
}

describe('a batch’s control item', () => {
  it('is created once: a retried upload keeps the first', async () => {
    const batchId = await batch('SCHEDULED');
    expect(await store.create({ batchId, state: 'SENDING' }, at(1), 2_000_000_000)).toBe('exists');
    expect((await store.get(batchId))?.state).toBe('SCHEDULED');
  });

  it('records each change with its time and who made it, and refuses a change its state does not allow', async () => {
    const batchId = await batch();
    expect(await store.apply(batchId, 'pause', at(1), 'request')).toMatchObject({
      kind: 'changed',
      before: 'SENDING',
      control: { state: 'PAUSED' },
    });
    expect(await store.apply(batchId, 'pause', at(2), 'request')).toMatchObject({
      kind: 'refused',
      control: { state: 'PAUSED' },
    });
    await store.apply(batchId, 'resume', at(3), 'request');
    await store.apply(batchId, 'pause', at(4), 'guardrail', { reason: 'bounce rate 7.0 % > 5 %' });
    await store.apply(batchId, 'cancel', at(5), 'request');
    expect(await store.apply(batchId, 'resume', at(6), 'request')).toMatchObject({ kind: 'refused' });
    expect((await store.get(batchId))?.changes).toEqual([
      { state: 'SENDING', at: at(0).toISOString(), by: 'request' },
      { state: 'PAUSED', at: at(1).toISOString(), by: 'request' },
      { state: 'SENDING', at: at(3).toISOString(), by: 'request' },
      { state: 'PAUSED', at: at(4).toISOString(), by: 'guardrail', reason: 'bounce rate 7.0 % > 5 %' },
      { state: 'CANCELLED', at: at(5).toISOString(), by: 'request' },
    ]);
  });

  it('lets exactly one of racing requests change the state', async () => {
    const batchId = await batch();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => store.apply(batchId, 'pause', at(10 + i), 'request')),
    );
    expect(results.filter((r) => r.kind === 'changed')).toHaveLength(1);
    expect((await store.get(batchId))?.changes.filter((c) => c.state === 'PAUSED')).toHaveLength(1);
  });

  it('keeps the history bounded through an endless pause and resume, the upload’s entry first', async () => {
    const batchId = await batch();
    for (let i = 0; i < 30; i++) {
      await store.apply(batchId, 'pause', at(i), 'request');
      await store.apply(batchId, 'resume', at(i), 'request');
    }
    const { changes = [] } = (await store.get(batchId)) ?? {};
    expect(changes).toHaveLength(50);
    expect(changes[0]).toEqual({ state: 'SENDING', at: at(0).toISOString(), by: 'request' });
    expect(changes.at(-1)).toMatchObject({ state: 'SENDING', at: at(29).toISOString() });
  });

  it('is unknown for a batch without one', async () => {
    expect(await store.apply('no-such-batch', 'pause', at(0), 'request')).toEqual({ kind: 'unknown' });
  });
});
