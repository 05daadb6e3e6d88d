/**
 * `npm run bench:query [-- maxSends]`: latency of the analysts' queries against an in-memory dynalite
 * (in a worker thread, as `npm start` runs it), through the GraphQL handler, at two table sizes:
 *   - a 100-row page by status + date range, and by batch, with 10k sends loaded and again with the
 *     largest size loaded within LOAD_BUDGET_MS (1M by default, if it loads in time);
 *   - batch.counts of a 100k-send batch.
 * Loads with BatchWriteItem directly (no queue, no sender). Prints a table, writes JSON to bench/results/.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { sendIdFor } from '../lambdas/core/domain/send-id.js';
import type { SendRecord } from '../lambdas/core/domain/send-record.js';
import { SEND_STATUSES } from '../lambdas/core/domain/send-status.js';
import { BatchStore } from '../lambdas/core/store/batch-store.js';
import { SendStore } from '../lambdas/core/store/send-store.js';
import { ensureTable } from '../lambdas/core/store/table-provisioning.js';
import { createGraphqlHandler } from '../lambdas/graphql/handler.js';
import { PageCursors } from '../lambdas/graphql/page-cursor.js';
import { tableReaders } from '../lambdas/graphql/table-readers.js';
import { startDynamoEmulator } from '../local/emulators.js';
import { localClients } from '../local/local-clients.js';
import { httpApiEvent } from '../test/helpers/http-api-event.js';
import { writeBenchResults } from './bench-results.js';

const SMALL = 10_000;
const TARGET = Number(process.argv[2] ?? 1_000_000);
const COUNT_BATCH = 100_000;
// 1M sends take about 5 minutes to load on a 2-core machine.
const LOAD_BUDGET_MS = Number(process.env.BENCH_LOAD_BUDGET_MS ?? 480_000);
const RUNS = 30;
const BATCHES = 20;
const DAYS = 10;
const CHUNK = 5_000;

interface Row {
  sends: number;
  query: string;
  p50Ms: number;
  p95Ms: number;
  runs: number;
}

const table = 'EmailSends';
const dynamo = await startDynamoEmulator('127.0.0.1');
const clients = localClients({
  dynamodb: dynamo.endpoint,
  sqs: 'http://127.0.0.1:9',
  sesv2: 'http://127.0.0.1:9',
});
await ensureTable(clients.dynamodb, table);
const store = new SendStore(clients.documents, table, { concurrency: 16 });
const batchStore = new BatchStore(clients.documents, table);
const handler = createGraphqlHandler({
  ...tableReaders(clients.documents, table),
  cursors: new PageCursors('bench-secret-0123456789'),
  apiKeys: { require: async () => 'bench' },
});

async function graphql(query: string): Promise<void> {
  const result = (await handler(
    httpApiEvent({
      method: 'POST',
      path: '/graphql',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    }),
  )) as APIGatewayProxyStructuredResultV2;
  const body = JSON.parse(result.body ?? '{}') as { errors?: unknown };
  if (body.errors) throw new Error(`query failed: ${JSON.stringify(body.errors)}`);
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

async function measure(sends: number, name: string, query: string, runs = RUNS): Promise<Row> {
  await graphql(query); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await graphql(query);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    sends,
    query: name,
    p50Ms: round(percentile(times, 50)),
    p95Ms: round(percentile(times, 95)),
    runs,
  };
}

/** Sends spread over BATCHES batches, DAYS days and the five statuses, ~300 bytes each. */
function spreadSends(from: number, count: number): SendRecord[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    const batchId = `batch-${i % BATCHES}`;
    const day = String(10 + (i % DAYS)).padStart(2, '0');
    const createdAt = `2026-11-${day}T${String(i % BATCHES).padStart(2, '0')}:00:00.000Z`;
    return sendRecord(
      batchId,
      `r${i}@example.com`,
      createdAt,
      SEND_STATUSES[i % SEND_STATUSES.length] ?? 'SENT',
    );
  });
}

function sendRecord(
  batchId: string,
  email: string,
  createdAt: string,
  status: SendRecord['status'],
): SendRecord {
  return {
    sendId: sendIdFor(batchId, email),
    batchId,
    email,
    subject: 'November offer for {{first_name}}',
    contentId: 'c'.repeat(40),
    variables: { first_name: 'Ana', city: 'Lisboa' },
    status,
    createdAt,
    updatedAt: createdAt,
    attempts: status === 'SENT' ? 1 : 0,
    ...(status === 'SENT' ? { sesMessageId: `0100019a-${email}`, sentAt: createdAt } : {}),
  };
}

let loaded = 0;
async function loadSpread(upTo: number, deadline: number): Promise<void> {
  while (loaded < upTo && Date.now() < deadline) {
    const count = Math.min(CHUNK, upTo - loaded);
    await store.putNewSends(spreadSends(loaded, count));
    loaded += count;
  }
}

const pageQueries = [
  [
    'page of 100: status + date range',
    '{ emailSendsPage(status: "SENT", from: "2026-11-12", to: "2026-11-16", first: 100) { items { sendId email status createdAt } nextCursor } }',
  ],
  [
    'page of 100: batch',
    '{ emailSendsPage(batchId: "batch-7", first: 100) { items { sendId email status createdAt } nextCursor } }',
  ],
] as const;

const rows: Row[] = [];
const startedAt = Date.now();
for (let b = 0; b < BATCHES; b++) {
  await batchStore.putBatch({
    batchId: `batch-${b}`,
    createdAt: `2026-11-10T0${b % 10}:00:00.000Z`,
    received: 0,
    accepted: 0,
    duplicates: 0,
    invalid: 0,
  });
}
await loadSpread(SMALL, Number.POSITIVE_INFINITY);
console.log(`loaded ${loaded} sends in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
for (const [name, query] of pageQueries) rows.push(await measure(loaded, name, query));

// The 100k-send batch, all in one status partition per status, for batch.counts.
const bigStart = Date.now();
await batchStore.putBatch({
  batchId: 'big',
  createdAt: '2026-11-09T00:00:00.000Z',
  received: COUNT_BATCH,
  accepted: COUNT_BATCH,
  duplicates: 0,
  invalid: 0,
});
for (let from = 0; from < COUNT_BATCH; from += CHUNK) {
  await store.putNewSends(
    Array.from({ length: CHUNK }, (_, k) =>
      sendRecord(
        'big',
        `big${from + k}@example.com`,
        '2026-11-09T00:00:00.000Z',
        k % 10 === 0 ? 'ERROR' : 'SENT',
      ),
    ),
  );
}
loaded += COUNT_BATCH;
const bigLoadSeconds = (Date.now() - bigStart) / 1000;
console.log(`loaded the ${COUNT_BATCH}-send batch in ${bigLoadSeconds.toFixed(1)} s`);
rows.push(
  await measure(
    loaded,
    `batch.counts of a ${COUNT_BATCH / 1000}k-send batch`,
    '{ batch(batchId: "big") { counts { pending queued sending sent error } } }',
    5,
  ),
);

const loadStart = Date.now();
// `loaded` counts the 100k-send batch too: the table holds TARGET sends in all.
await loadSpread(TARGET, loadStart + LOAD_BUDGET_MS);
const largeLoadSeconds = (Date.now() - loadStart) / 1000;
console.log(`loaded ${loaded} sends in all (${largeLoadSeconds.toFixed(1)} s for the last part)`);
for (const [name, query] of pageQueries) rows.push(await measure(loaded, name, query));

await dynamo.stop();
clients.destroy();

const pad = (s: string, n: number) => s.padEnd(n);
const lines = [
  `| ${pad('sends in table', 14)} | ${pad('query', 36)} | p50 ms | p95 ms |`,
  `| ${'-'.repeat(14)}:| ${'-'.repeat(36)} | ------:| ------:|`,
  ...rows.map(
    (r) =>
      `| ${pad(r.sends.toLocaleString('en-US'), 14)} | ${pad(r.query, 36)} | ${String(r.p50Ms).padStart(6)} | ${String(r.p95Ms).padStart(6)} |`,
  ),
];
console.log(lines.join('\n'));
const small = rows.filter((r) => r.sends === SMALL);
const large = rows.filter((r) => r.sends === loaded && !r.query.startsWith('batch.counts'));
for (const [i, r] of large.entries()) {
  const s = small[i];
  if (s)
    console.log(
      `${r.query}: p50 ${loaded.toLocaleString('en-US')} / ${SMALL.toLocaleString('en-US')} = ${(r.p50Ms / s.p50Ms).toFixed(2)}×`,
    );
}
const file = writeBenchResults('query', {
  target: TARGET,
  loaded,
  loadBudgetMs: LOAD_BUDGET_MS,
  bigLoadSeconds,
  largeLoadSeconds,
  rows,
});
console.log(`written to ${file}`);
process.exit(0);
