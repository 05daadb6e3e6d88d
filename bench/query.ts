/**
 * `npm run bench:query [-- largeSends [smallSends [bigBatchSends]]]` (defaults 1,000,000, 10,000 and
 * 100,000): latency of the analysts' queries through the GraphQL handler against dynalite (in a worker
 * thread, as `npm start` runs it), for issue 13's "Done when":
 *   - four pages of 100 sends (by status and date range, by status alone, by batch, a batch's ERROR
 *     sends) in a table of `smallSends` and in one of `largeSends`: a page's cost follows the page, not
 *     the table (large ÷ small p95 ≤ 1.2);
 *   - batch.counts (with finished, finishedAt, countsExact) of a 100-send batch and of a `bigBatchSends`
 *     batch: constant time (big ÷ small p95 ≤ 2).
 * The two tables are two emulators, and each query is timed on both in turn, run after run, so that a
 * machine busy with something else slows both sides of a ratio alike (the share of the CPUs other
 * processes took meanwhile is printed).
 *
 * Sends are seeded as the writer writes them, with the stores' batch writes (SendStore.putNewSends, 25
 * per BatchWriteItem), 5,000 at a time (bounded memory), with each batch's record, writer state and
 * counter shards; no queue, no sender, no S3 (the measured queries ask for no content). The emulators
 * keep their tables on disk, in temporary directories removed at the end (BENCH_IN_MEMORY=1 keeps them
 * in memory, as `npm start` does: faster to load, about 4 GB at a million sends). Loading the large table
 * stops at BENCH_LOAD_BUDGET_MS (9 minutes by default: a million sends took 540 s on a 2-core machine
 * that other processes kept half busy) and the table is measured as loaded.
 * Prints a table, the ratios and the machine; writes JSON to bench/results/.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { PageCursors } from '../lambdas/core/domain/page-cursor.js';
import { sendIdFor } from '../lambdas/core/domain/send-id.js';
import type { SendRecord } from '../lambdas/core/domain/send-record.js';
import { SEND_STATUSES, type SendStatus } from '../lambdas/core/domain/send-status.js';
import { BatchStore } from '../lambdas/core/store/batch-store.js';
import { CounterStore, type StatusChanges } from '../lambdas/core/store/counter-store.js';
import { counterShardOf } from '../lambdas/core/store/item-keys.js';
import { SendStore } from '../lambdas/core/store/send-store.js';
import { ensureTable } from '../lambdas/core/store/table-provisioning.js';
import { WriterStore } from '../lambdas/core/store/writer-store.js';
import { createGraphqlHandler } from '../lambdas/graphql/handler.js';
import { tableReaders } from '../lambdas/graphql/table-readers.js';
import { startDynamoEmulator } from '../local/emulators.js';
import { localClients } from '../local/local-clients.js';
import { httpApiEvent } from '../test/helpers/http-api-event.js';
import { writeBenchResults } from './bench-results.js';
import { machineBusySeconds } from './process-stats.js';

const LARGE = Number(process.argv[2] ?? 1_000_000);
const SMALL = Number(process.argv[3] ?? 10_000);
const BIG_BATCH = Number(process.argv[4] ?? 100_000);
const SMALL_BATCH = 100;
if (
  ![LARGE, SMALL, BIG_BATCH].every((n) => Number.isInteger(n) && n > 0) ||
  SMALL >= LARGE ||
  SMALL <= SMALL_BATCH
) {
  console.error(
    'usage: npm run bench:query -- [largeSends [smallSends [bigBatchSends]]], 100 < small < large',
  );
  process.exit(2);
}
const LOAD_BUDGET_MS = Number(process.env.BENCH_LOAD_BUDGET_MS ?? 540_000);
const RUNS = 40;
/** The batches the page queries read: one a day from 2026-11-10, the sends dealt out in turn. */
const SPREAD_BATCHES = 20;
/** Sends generated and written at a time: what the seeding holds in memory. */
const CHUNK = 5_000;
const RETENTION_SECONDS = 90 * 24 * 3600;
const TABLE = 'EmailSends';

/** One seeded batch: its sends so far, and the counter changes they stand for, by counter shard. */
interface SeededBatch {
  batchId: string;
  createdAt: string;
  rows: number;
  /** Changes not yet added to the counter shards. */
  pending: Map<number, StatusChanges>;
  leaseUntil?: number;
}

/** One emulator with its table, the stores that seed it and the GraphQL handler that reads it. */
interface BenchTable {
  name: string;
  stop(): Promise<void>;
  sends: SendStore;
  batchRecords: BatchStore;
  writers: WriterStore;
  counters: CounterStore;
  graphql(query: string): Promise<void>;
  seeded: Map<string, SeededBatch>;
  /** Sends in the table. */
  loaded: number;
}

async function benchTable(name: string): Promise<BenchTable> {
  // On disk (LevelDB), not in memory: a million sends and their index would take gigabytes of RAM.
  const dataDir = await mkdtemp(join(os.tmpdir(), `bench-query-${name}-`));
  const dynamo = await startDynamoEmulator('127.0.0.1', process.env.BENCH_IN_MEMORY ? undefined : dataDir);
  const clients = localClients({
    dynamodb: dynamo.endpoint,
    sqs: 'http://127.0.0.1:9',
    sesv2: 'http://127.0.0.1:9',
  });
  await ensureTable(clients.dynamodb, TABLE);
  const handler = createGraphqlHandler({
    // No query of this benchmark asks for `content`, so no chunk of rows is ever read.
    ...tableReaders(clients.documents, TABLE, { get: async () => undefined }),
    cursors: new PageCursors('bench-secret-0123456789'),
    apiKeys: { require: async () => 'bench' },
  });
  return {
    name,
    stop: async () => {
      await dynamo.stop();
      clients.destroy();
      await rm(dataDir, { recursive: true, force: true });
    },
    sends: new SendStore(clients.documents, TABLE, { concurrency: 16 }),
    batchRecords: new BatchStore(clients.documents, TABLE),
    writers: new WriterStore(clients.documents, TABLE),
    counters: new CounterStore(clients.documents, TABLE),
    graphql: async (query) => {
      const result = (await handler(
        httpApiEvent({
          method: 'POST',
          path: '/graphql',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        }),
      )) as APIGatewayProxyStructuredResultV2;
      const body = JSON.parse(result.body ?? '{}') as { errors?: unknown };
      if (body.errors) throw new Error(`query failed on the ${name} table: ${JSON.stringify(body.errors)}`);
    },
    seeded: new Map(),
    loaded: 0,
  };
}

const expiresAtOf = (createdAt: string) => Math.floor(Date.parse(createdAt) / 1000) + RETENTION_SECONDS;

function batchNamed(table: BenchTable, batchId: string, createdAt: string): SeededBatch {
  let batch = table.seeded.get(batchId);
  if (!batch) {
    batch = { batchId, createdAt, rows: 0, pending: new Map() };
    table.seeded.set(batchId, batch);
  }
  return batch;
}

/** A send as the writer writes it and the sender leaves it (~300 bytes). */
function sendRecord(batch: SeededBatch, email: string, status: SendStatus): SendRecord {
  const at = batch.createdAt;
  return {
    sendId: sendIdFor(batch.batchId, email),
    batchId: batch.batchId,
    email,
    subject: 'November offer for {{first_name}}',
    chunk: Math.floor(batch.rows / 500),
    status,
    createdAt: at,
    updatedAt: at,
    attempts: status === 'QUEUED' ? 0 : 1,
    ...(status === 'SENDING' ? { leaseId: 'bench-lease', leaseUntil: Date.parse(at) + 60_000 } : {}),
    ...(status === 'SENT' ? { sesMessageId: `0100019a-${email}`, sentAt: at } : {}),
    ...(status === 'ERROR'
      ? { errorCode: 'MessageRejected', errorMessage: 'Email address is not verified.' }
      : {}),
  };
}

/** Counts one written send: the writer's rows are QUEUED; a later status is a change from QUEUED. */
function count(batch: SeededBatch, send: SendRecord): void {
  batch.rows += 1;
  if (send.status === 'QUEUED') return;
  const shard = counterShardOf(send.sendId);
  const changes =
    batch.pending.get(shard) ?? (Object.fromEntries(SEND_STATUSES.map((s) => [s, 0])) as StatusChanges);
  changes.QUEUED -= 1;
  changes[send.status] += 1;
  batch.pending.set(shard, changes);
}

type SendMaker = (table: BenchTable, i: number) => { batch: SeededBatch; send: SendRecord };

/** Writes the sends `make` makes for i in [from, to), CHUNK at a time, until done or `deadline`. */
async function seed(
  table: BenchTable,
  from: number,
  to: number,
  make: SendMaker,
  deadline = Number.POSITIVE_INFINITY,
): Promise<number> {
  let i = from;
  while (i < to && Date.now() < deadline) {
    const end = Math.min(to, i + CHUNK);
    const byExpiry = new Map<number, SendRecord[]>();
    for (; i < end; i++) {
      const { batch, send } = make(table, i);
      count(batch, send);
      const expiresAt = expiresAtOf(batch.createdAt);
      const group = byExpiry.get(expiresAt);
      if (group) group.push(send);
      else byExpiry.set(expiresAt, [send]);
    }
    for (const [expiresAt, records] of byExpiry) await table.sends.putNewSends(records, expiresAt);
    const [before, after] = [table.loaded + end - from - CHUNK, table.loaded + end - from];
    if (Math.floor(after / 100_000) > Math.floor(Math.max(0, before) / 100_000)) {
      console.log(`  ${table.name} table: ${after.toLocaleString('en-US')} sends`);
    }
  }
  table.loaded += i - from;
  return i - from;
}

/**
 * Writes what the writer and the counters would have written for the sends seeded so far: each batch's
 * record, its writer state (READY: every row written) and its counter changes.
 */
async function settleBatches(table: BenchTable): Promise<void> {
  const now = new Date();
  for (const batch of table.seeded.values()) {
    const expiresAt = expiresAtOf(batch.createdAt);
    if (batch.leaseUntil === undefined) {
      await table.batchRecords.createBatch(
        { batchId: batch.batchId, createdAt: batch.createdAt, accepted: batch.rows },
        expiresAt,
      );
      const claim = await table.writers.claim(
        batch.batchId,
        { bucket: 'bench', key: `uploads/${batch.batchId}.csv`, createdAt: batch.createdAt },
        now,
        24 * 3600 * 1000,
        expiresAt,
      );
      batch.leaseUntil = claim.record.leaseUntil ?? 0;
    }
    const progress = {
      chunksDone: Math.ceil(batch.rows / 500),
      rowsWritten: batch.rows,
      rowsSuppressed: 0,
      suppressedListed: 0,
    };
    await table.writers.checkpoint(batch.batchId, batch.leaseUntil, progress, now);
    await table.writers.finish(batch.batchId, batch.leaseUntil, now, { state: 'READY' });
    for (const [shard, changes] of batch.pending) {
      await table.counters.add(batch.batchId, shard, changes, now, expiresAt);
    }
    batch.pending.clear();
  }
}

/**
 * The spread batches' sends: dealt out in turn; 55 % SENT, 15 % QUEUED, 5 % SENDING, 25 % ERROR, so that
 * one batch fills a page of 100 SENT or ERROR sends in the small table too (495 sends a batch).
 */
const spreadSend: SendMaker = (table, i) => {
  const b = i % SPREAD_BATCHES;
  const batch = batchNamed(table, `spread-${String(b).padStart(2, '0')}`, `2026-11-${10 + b}T08:00:00.000Z`);
  const k = Math.floor(i / SPREAD_BATCHES) % 20;
  const status: SendStatus = k < 11 ? 'SENT' : k < 14 ? 'QUEUED' : k < 15 ? 'SENDING' : 'ERROR';
  return { batch, send: sendRecord(batch, `r${i}@example.com`, status) };
};

/** The sends of a campaign that has finished, uploaded before the others: 90 % SENT, 10 % ERROR. */
const finishedSend =
  (batchId: string, createdAt: string): SendMaker =>
  (table, i) => {
    const batch = batchNamed(table, batchId, createdAt);
    return { batch, send: sendRecord(batch, `f${i}@example.com`, i % 10 === 9 ? 'ERROR' : 'SENT') };
  };

interface Row {
  sends: number;
  query: string;
  p50Ms: number;
  p95Ms: number;
  runs: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

function rowOf(sends: number, query: string, times: number[]): Row {
  const sorted = [...times].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    sends,
    query,
    p50Ms: round(percentile(sorted, 50)),
    p95Ms: round(percentile(sorted, 95)),
    runs: sorted.length,
  };
}

/** Times each case RUNS times, one run of each case in turn (after one warm-up run of each). */
async function measureInTurn(cases: { run: () => Promise<void> }[]): Promise<number[][]> {
  for (const c of cases) await c.run();
  const times = cases.map(() => [] as number[]);
  for (let i = 0; i < RUNS; i++) {
    for (const [k, c] of cases.entries()) {
      const start = performance.now();
      await c.run();
      times[k]?.push(performance.now() - start);
    }
  }
  return times;
}

const pageQueries = [
  [
    'page of 100: status + date range',
    '{ emailSendsPage(status: "SENT", from: "2026-11-12", to: "2026-11-16", first: 100) { items { sendId email status createdAt } nextCursor } }',
  ],
  [
    'page of 100: status, all batches',
    '{ emailSendsPage(status: "ERROR", first: 100) { items { sendId email status createdAt } nextCursor } }',
  ],
  [
    'page of 100: batch',
    '{ emailSendsPage(batchId: "spread-07", first: 100) { items { sendId email status createdAt } nextCursor } }',
  ],
  [
    "page of 100: a batch's ERROR sends",
    '{ batch(batchId: "spread-07") { sends(status: "ERROR", first: 100) { items { sendId email errorCode } nextCursor } } }',
  ],
] as const;
const countsQuery = (batchId: string) =>
  `{ batch(batchId: "${batchId}") { total finished finishedAt countsExact counts { queued sending sent error } } }`;

const cpu = `${os.cpus().length}× ${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}`;
console.log(`Query benchmark: ${cpu}, ${Math.round(os.totalmem() / 2 ** 20)} MB, Node ${process.version}`);
const started = Date.now();

// Each table: a finished 100-send batch, then the spread batches. The large one also has the big batch.
const small = await benchTable('small');
const large = await benchTable('large');
const SMALL_AT = '2026-11-02T08:00:00.000Z';
for (const table of [small, large]) await seed(table, 0, SMALL_BATCH, finishedSend('small-batch', SMALL_AT));
await seed(small, 0, SMALL - SMALL_BATCH, spreadSend);
await settleBatches(small);
console.log(
  `small table: ${small.loaded.toLocaleString('en-US')} sends in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);

const largeStart = Date.now();
const deadline = largeStart + LOAD_BUDGET_MS;
await seed(large, 0, BIG_BATCH, finishedSend('big-batch', '2026-11-01T08:00:00.000Z'), deadline);
await seed(large, 0, Math.max(0, LARGE - large.loaded), spreadSend, deadline);
await settleBatches(large);
const largeLoadSeconds = (Date.now() - largeStart) / 1000;
console.log(
  `large table: ${large.loaded.toLocaleString('en-US')} sends in ${largeLoadSeconds.toFixed(1)} s (${Math.round(large.loaded / largeLoadSeconds)} sends/s)`,
);
if (large.loaded < LARGE) {
  console.log(`the load budget (BENCH_LOAD_BUDGET_MS) ran out before ${LARGE.toLocaleString('en-US')} sends`);
}
const bigRows = large.seeded.get('big-batch')?.rows ?? 0;

// Measured: each page query on both tables in turn, then counts of both batches in turn.
const measureStart = performance.now();
const machineAtStart = machineBusySeconds();
const ownAtStart = process.cpuUsage();
const rows: Row[] = [];
const ratios: { what: string; ratio: number; limit: number }[] = [];
for (const [name, query] of pageQueries) {
  const [s = [], l = []] = await measureInTurn([
    { run: () => small.graphql(query) },
    { run: () => large.graphql(query) },
  ]);
  const [rs, rl] = [rowOf(small.loaded, name, s), rowOf(large.loaded, name, l)];
  rows.push(rs, rl);
  ratios.push({
    what: `${name}: p95 ${large.loaded.toLocaleString('en-US')} ÷ ${small.loaded.toLocaleString('en-US')} sends`,
    ratio: rl.p95Ms / rs.p95Ms,
    limit: 1.2,
  });
}
const [cs = [], cb = []] = await measureInTurn([
  { run: () => large.graphql(countsQuery('small-batch')) },
  { run: () => large.graphql(countsQuery('big-batch')) },
]);
const [countsSmall, countsBig] = [
  rowOf(large.loaded, `batch.counts, ${SMALL_BATCH}-send batch`, cs),
  rowOf(large.loaded, `batch.counts, ${bigRows.toLocaleString('en-US')}-send batch`, cb),
];
rows.push(countsSmall, countsBig);
ratios.push({
  what: `batch.counts: p95 ${bigRows.toLocaleString('en-US')}-send ÷ ${SMALL_BATCH}-send batch`,
  ratio: countsBig.p95Ms / countsSmall.p95Ms,
  limit: 2,
});
const measureSeconds = (performance.now() - measureStart) / 1000;
const machineBusy = machineBusySeconds();
const own = process.cpuUsage(ownAtStart);
// CPU that other processes took while the queries ran, as a share of the machine's (Linux only).
const otherCpuPercent =
  machineAtStart === undefined || machineBusy === undefined
    ? undefined
    : Math.round(
        (100 * (machineBusy - machineAtStart - (own.user + own.system) / 1e6)) /
          (measureSeconds * os.cpus().length),
      );

const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
await small.stop();
await large.stop();

const pad = (text: string, n: number) => text.padEnd(n);
console.log(
  [
    `| ${pad('sends in table', 14)} | ${pad('query', 38)} | p50 ms | p95 ms |`,
    `| ${'-'.repeat(14)}:| ${'-'.repeat(38)} | ------:| ------:|`,
    ...rows.map(
      (r) =>
        `| ${pad(r.sends.toLocaleString('en-US'), 14)} | ${pad(r.query, 38)} | ${String(r.p50Ms).padStart(6)} | ${String(r.p95Ms).padStart(6)} |`,
    ),
  ].join('\n'),
);
for (const { what, ratio, limit } of ratios) {
  console.log(`${what} = ${ratio.toFixed(2)}× (at most ${limit}×: ${ratio <= limit ? 'met' : 'NOT met'})`);
}
console.log(
  `CPU: ${cpu}; ${RUNS} runs of each query, the two sides of each ratio in turn; other processes used ${otherCpuPercent ?? '?'} % of the CPUs meanwhile; peak RSS ${peakRssMb} MB (both emulators included); ${((Date.now() - started) / 1000).toFixed(0)} s in all`,
);
const file = writeBenchResults('query', {
  largeTarget: LARGE,
  smallTable: small.loaded,
  largeTable: large.loaded,
  bigBatch: bigRows,
  loadBudgetMs: LOAD_BUDGET_MS,
  largeLoadSeconds,
  otherCpuPercent,
  peakRssMb,
  rows,
  ratios,
});
console.log(`written to ${file}`);
process.exit(0);
