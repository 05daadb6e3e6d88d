/**
 * `npm run bench:ingest`:
 * (a) rows/s through the whole ingest path (readCampaign + ingestCampaign: BatchWrite of sends and
 *     contents, SendMessageBatch, the QUEUED updates) for 10k and 100k rows against the local
 *     emulators, beside the same BatchWrite (25) + SendMessageBatch (10) calls made directly with the
 *     same concurrency: the ratio is what our code costs on top of the stores;
 * (b) parse + validate + dedupe alone for 10k, 100k and 1M rows, each in its own process (no
 *     emulators in it): rows/s and that process's peak RSS; and the dedupe set's bytes per address.
 * Prints a table and writes the same as JSON to bench/results/. `-- --quick` runs (a) with 10k only.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { chunksOf, runBounded } from '../lambdas/core/async/run-bounded.js';
import { readCampaign } from '../lambdas/core/domain/campaign-reader.js';
import { sendIdFor } from '../lambdas/core/domain/send-id.js';
import { ingestCampaign } from '../lambdas/core/ingest/ingest-campaign.js';
import { messageBodyOf } from '../lambdas/core/queue/send-queue.js';
import { indexKeysFor, sendKey } from '../lambdas/core/store/item-keys.js';
import { startTestAws } from '../test/helpers/aws-emulators.js';
import { storesOf } from '../test/helpers/send-pipeline.js';
import { writeBenchResults } from './bench-results.js';
import { campaignChunks } from './ingest-csv.js';

const quick = process.argv.includes('--quick');
const FULL_SIZES = quick ? [10_000] : [10_000, 100_000];
const PARSE_SIZES = [10_000, 100_000, 1_000_000];
const CONCURRENCY = 8;
const MB = 1024 * 1024;

interface FullRun {
  rows: number;
  ingestSeconds: number;
  ingestRowsPerSecond: number;
  rawSeconds: number;
  rawRowsPerSecond: number;
  /** ingestSeconds / rawSeconds. */
  ratio: number;
}

async function fullPath(rows: number): Promise<FullRun> {
  const aws = await startTestAws();
  try {
    const deps = { ...storesOf(aws), clock: () => new Date(), chunkRows: 500 };
    let started = performance.now();
    const report = await ingestCampaign(readCampaign(campaignChunks(rows)), deps, {
      batchId: randomUUID(),
      mode: 'new',
    });
    const ingestSeconds = (performance.now() - started) / 1000;
    if (report.accepted !== rows) throw new Error(`accepted ${report.accepted} of ${rows}`);

    // The same items and messages, written directly: BatchWrite 25 and SendMessageBatch 10, 8 in flight.
    const batchId = randomUUID();
    const createdAt = new Date().toISOString();
    started = performance.now();
    for (let from = 0; from < rows; from += 500) {
      const items = [];
      for (let i = from; i < Math.min(rows, from + 500); i++) {
        const email = `raw.${i}@example.com`;
        const sendId = sendIdFor(batchId, email);
        items.push({
          ...sendKey(sendId),
          type: 'send',
          sendId,
          batchId,
          email,
          subject: 'Spring offer',
          contentId: 'c'.repeat(40),
          variables: { first_name: `Reader${i}` },
          status: 'PENDING',
          createdAt,
          updatedAt: createdAt,
          attempts: 0,
          ...indexKeysFor('PENDING', sendId, createdAt),
        });
      }
      await runBounded(chunksOf(items, 25), CONCURRENCY, (chunk) =>
        aws.clients.documents.send(
          new BatchWriteCommand({
            RequestItems: { [aws.tableName]: chunk.map((Item) => ({ PutRequest: { Item } })) },
          }),
        ),
      );
      await runBounded(chunksOf(items, 10), CONCURRENCY, (chunk) =>
        aws.clients.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: aws.queues.queueUrl,
            Entries: chunk.map((item, i) => ({
              Id: String(i),
              MessageBody: messageBodyOf({ sendId: item.sendId, createdAt }),
            })),
          }),
        ),
      );
    }
    const rawSeconds = (performance.now() - started) / 1000;
    return {
      rows,
      ingestSeconds,
      ingestRowsPerSecond: rows / ingestSeconds,
      rawSeconds,
      rawRowsPerSecond: rows / rawSeconds,
      ratio: ingestSeconds / rawSeconds,
    };
  } finally {
    await aws.stop();
  }
}

function child(mode: string, count: number): Record<string, number> {
  const out = execFileSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', 'bench/ingest-parse.ts', mode, String(count)],
    {
      encoding: 'utf8',
      env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'SILENT' },
      maxBuffer: 10 * MB,
    },
  );
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, number>;
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const parseRuns = PARSE_SIZES.map((rows) => child('parse', rows));
const dedupe = child('dedupe', 1_000_000);
const fullRuns: FullRun[] = [];
for (const rows of FULL_SIZES) fullRuns.push(await fullPath(rows));

const lines = [
  `Ingest benchmark: ${os.cpus().length}× ${os.cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}`,
  '',
  '(a) full ingest path vs the same BatchWrite + SendMessageBatch calls made directly (emulators in this process)',
  '| rows | ingest s | ingest rows/s | raw s | raw rows/s | ingest/raw |',
  '| ---: | ---: | ---: | ---: | ---: | ---: |',
  ...fullRuns.map(
    (r) =>
      `| ${fmt(r.rows)} | ${fmt(r.ingestSeconds, 1)} | ${fmt(r.ingestRowsPerSecond)} | ${fmt(r.rawSeconds, 1)} | ${fmt(r.rawRowsPerSecond)} | ${fmt(r.ratio, 2)}× |`,
  ),
  '',
  '(b) parse + validate + dedupe alone, each size in its own process',
  '| rows | seconds | rows/s | peak RSS |',
  '| ---: | ---: | ---: | ---: |',
  ...parseRuns.map(
    (r) =>
      `| ${fmt(r.rows ?? 0)} | ${fmt(r.seconds ?? 0, 2)} | ${fmt(r.rowsPerSecond ?? 0)} | ${r.peakRssBytes ? `${fmt(r.peakRssBytes / MB)} MB` : 'n/a'} |`,
  ),
  '',
  `Dedupe set, 1,000,000 addresses of ${dedupe.addressLength} characters: ${fmt(dedupe.compactBytesPerAddress ?? 0, 1)} bytes/address ` +
    `(64-bit hashes + first line), against ${fmt(dedupe.mapBytesPerAddress ?? 0, 1)} for a Map of the strings`,
];
console.log(lines.join('\n'));
const file = writeBenchResults('ingest', { fullRuns, parseRuns, dedupe });
console.log(`\nwritten to ${file}`);
