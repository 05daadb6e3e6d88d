import { setTimeout as sleep } from 'node:timers/promises';
import { graphql, type RunnerProcess } from '../test/helpers/local-runner-process.js';

export interface BatchCounts {
  pending: number;
  queued: number;
  sending: number;
  sent: number;
  error: number;
}

const BATCH_COUNTS_QUERY =
  'query($id: String!) { batch(batchId: $id) { total counts { pending queued sending sent error } } }';

/** The runner's address and the key its requests need. */
export type RunnerApi = Pick<RunnerProcess, 'apiUrl' | 'apiKey'>;

/** The batch's counts per status, as the GraphQL API reports them. */
export async function batchCounts(runner: RunnerApi, batchId: string): Promise<BatchCounts> {
  const data = await graphql<{ batch: { total: number; counts: BatchCounts } | null }>(
    runner,
    BATCH_COUNTS_QUERY,
    { id: batchId },
  );
  if (!data.batch) throw new Error(`GraphQL knows no batch ${batchId}`);
  return data.batch.counts;
}

export interface AllSentProgress {
  /** Counts of the first poll (made as soon as the wait starts). */
  firstCounts: BatchCounts;
  /** performance.now() when a poll's answer showed every send SENT. */
  allSentAt: number;
  polls: number;
  meanPollMs: number;
  maxPollMs: number;
}

/**
 * Polls the batch's counts every `intervalMs` (from the start of one poll to the next; a slower poll
 * is followed at once by the next) until `total` sends are SENT. Fails at the first ERROR send, and
 * when the SENT count has not grown for `stallMs`.
 */
export async function waitUntilAllSent(
  runner: RunnerApi,
  batchId: string,
  total: number,
  options: { intervalMs: number; stallMs: number },
): Promise<AllSentProgress> {
  let polls = 0;
  let pollMsSum = 0;
  let maxPollMs = 0;
  let lastSent = 0;
  let lastProgressAt = performance.now();
  let firstCounts: BatchCounts | undefined;
  for (;;) {
    const started = performance.now();
    const counts = await batchCounts(runner, batchId);
    const now = performance.now();
    polls += 1;
    firstCounts ??= counts;
    pollMsSum += now - started;
    maxPollMs = Math.max(maxPollMs, now - started);
    if (counts.error > 0)
      throw new Error(`${counts.error} sends of batch ${batchId} are in ERROR: ${JSON.stringify(counts)}`);
    if (counts.sent > lastSent) {
      lastSent = counts.sent;
      lastProgressAt = now;
    }
    if (counts.sent >= total) {
      if (counts.sent > total) throw new Error(`batch ${batchId} has ${counts.sent} SENT of ${total} sends`);
      return {
        firstCounts,
        allSentAt: now,
        polls,
        meanPollMs: pollMsSum / polls,
        maxPollMs,
      };
    }
    if (now - lastProgressAt > options.stallMs) {
      throw new Error(
        `no send of batch ${batchId} became SENT for ${options.stallMs / 1000} s: ${JSON.stringify(counts)}`,
      );
    }
    await sleep(Math.max(0, options.intervalMs - (now - started)));
  }
}
