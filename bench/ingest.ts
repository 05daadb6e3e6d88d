/**
 * `npm run bench:ingest`:
 * (a) rows/s through the writer (the file read back from S3, parsed, validated and deduplicated, then a
 *     chunk at a time: its rows to S3, BatchWrite of the sends, SendMessageBatch, the checkpoint) for 10k
 *     and 100k rows against the local emulators, beside the same S3 PUTs, BatchWrite (25) and
 *     SendMessageBatch (10) calls made directly with the same concurrency: the ratio is what our code
 *     costs on top of the writes it makes;
 * (b) parse + validate + dedupe alone for 10k, 100k and 1M rows, each in its own process (no
 *     emulators in it): rows/s and that process's peak RSS; and the dedupe set's bytes per address;
 * (c) a file of 1M rows (`--large <rows>` to change it) through the S3 path with forced continuations
 *     (a budget of `--budget <seconds>`, 60 by default, per writer invocation), the writer in a process of
 *     its own: rows/s, invocations and the writer's peak RSS.
 * Prints a table and writes the same as JSON to bench/results/. `-- --quick` runs (a) with 10k only
 * and skips (c).
 */
import { execFile, execFileSync } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PurgeQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { uploadKeyOf } from '../lambdas/contract/upload-object.js';
import { chunksOf, runBounded } from '../lambdas/core/async/run-bounded.js';
import { s3ClientOptions } from '../lambdas/core/aws/s3-client.js';
import { sendIdFor } from '../lambdas/core/domain/send-id.js';
import { messageBodyOf } from '../lambdas/core/queue/send-queue.js';
import { sendIndexKeysFor, sendKey } from '../lambdas/core/store/item-keys.js';
import { ensureTable } from '../lambdas/core/store/table-provisioning.js';
import { createWriterHandler } from '../lambdas/writer/handler.js';
import { startEmulators } from '../local/emulators.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION, localClients } from '../local/local-clients.js';
import { ensureQueues } from '../local/provision.js';
import { startTestAws } from '../test/helpers/aws-emulators.js';
import { FULL_WRITER_TIME, uploadEventFor, writerDepsFor } from '../test/helpers/send-pipeline.js';
import { writeBenchResults } from './bench-results.js';
import { campaignChunks } from './ingest-csv.js';

const execFileAsync = promisify(execFile);
const quick = process.argv.includes('--quick');
const optionOf = (name: string, fallback: number) => {
  const at = process.argv.indexOf(name);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const LARGE_ROWS = optionOf('--large', 1_000_000);
const LARGE_BUDGET_SECONDS = optionOf('--budget', 60);
const FULL_SIZES = quick ? [10_000] : [10_000, 100_000];
const PARSE_SIZES = [10_000, 100_000, 1_000_000];
const CONCURRENCY = 8;
const MB = 1024 * 1024;

interface FullRun {
  rows: number;
  writerSeconds: number;
  writerRowsPerSecond: number;
  rawSeconds: number;
  rawRowsPerSecond: number;
  /** writerSeconds / rawSeconds. */
  ratio: number;
}

const fileOf = (rows: number) => Buffer.concat([...campaignChunks(rows)]);

async function fullPath(rows: number): Promise<FullRun> {
  const aws = await startTestAws();
  try {
    const batchId = crypto.randomUUID();
    await aws.s3.client.send(
      new PutObjectCommand({ Bucket: aws.s3.bucket, Key: uploadKeyOf(batchId), Body: fileOf(rows) }),
    );
    const writer = createWriterHandler(writerDepsFor(aws, { chunkRows: 500 }));
    let started = performance.now();
    const result = await writer(uploadEventFor(aws, batchId), FULL_WRITER_TIME);
    const writerSeconds = (performance.now() - started) / 1000;
    if (result.batchItemFailures.length > 0) throw new Error('the writer failed');

    // The same writes made directly, 500 rows at a time: the chunk's rows to S3, BatchWrite 25 and
    // SendMessageBatch 10 with 8 in flight.
    const rawBatch = crypto.randomUUID();
    const createdAt = new Date().toISOString();
    const expiresAt = Math.floor(Date.now() / 1000) + 90 * 24 * 3600;
    started = performance.now();
    for (let from = 0; from < rows; from += 500) {
      const items = [];
      for (let i = from; i < Math.min(rows, from + 500); i++) {
        const email = `raw.${i}@example.com`;
        const sendId = sendIdFor(rawBatch, email);
        items.push({
          ...sendKey(sendId),
          type: 'send',
          sendId,
          batchId: rawBatch,
          email,
          subject: 'Spring offer',
          chunk: from / 500,
          status: 'QUEUED',
          createdAt,
          updatedAt: createdAt,
          attempts: 0,
          expiresAt,
          ...sendIndexKeysFor('QUEUED', rawBatch, sendId, createdAt),
        });
      }
      await aws.s3.client.send(
        new PutObjectCommand({
          Bucket: aws.s3.bucket,
          Key: `rows/${rawBatch}/${from / 500}.json`,
          Body: JSON.stringify({
            contents: ['<p>Hello {{first_name}}, take 20% off this week.</p>'],
            rows: items.map((item, i) => ({
              sendId: item.sendId,
              line: from + i + 2,
              email: item.email,
              subject: item.subject,
              content: 0,
              variables: { first_name: `Reader${from + i}` },
            })),
          }),
        }),
      );
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
              MessageBody: messageBodyOf({
                sendId: item.sendId,
                createdAt,
                batchId: rawBatch,
                chunk: item.chunk,
              }),
            })),
          }),
        ),
      );
    }
    const rawSeconds = (performance.now() - started) / 1000;
    return {
      rows,
      writerSeconds,
      writerRowsPerSecond: rows / writerSeconds,
      rawSeconds,
      rawRowsPerSecond: rows / rawSeconds,
      ratio: writerSeconds / rawSeconds,
    };
  } finally {
    await aws.stop();
  }
}

interface LargeRun {
  rows: number;
  budgetSeconds: number;
  fileBytes: number;
  state: string;
  /** Why the writer refused the file, when it did (FAILED). */
  problem?: string;
  error?: string;
  rowsWritten: number;
  invocations: number;
  seconds: number;
  rowsPerSecond: number;
  writerPeakRssBytes: number | null;
}

/**
 * A large file through the S3 path: the emulators here (DynamoDB on disk, so that a million sends do
 * not sit in this process's memory), the writer in a child process. The send queue is purged every
 * 65 s (the emulator takes a purge a minute): no sender runs, and a million messages would only grow
 * the emulator.
 */
async function largeRun(rows: number, budgetSeconds: number): Promise<LargeRun> {
  const dir = mkdtempSync(join(os.tmpdir(), 'bench-ingest-large-'));
  const emulators = await startEmulators({
    dataDir: join(dir, 'dynamodb'),
    s3: { bucket: 'bench-uploads', dataDir: join(dir, 's3') },
  });
  const clients = localClients(emulators.endpoints);
  const queues = await ensureQueues(clients.sqs);
  const purge = setInterval(() => {
    void clients.sqs.send(new PurgeQueueCommand({ QueueUrl: queues.queueUrl })).catch(() => {});
  }, 65_000);
  try {
    const table = 'BenchSends';
    await ensureTable(clients.dynamodb, table);
    const file = join(dir, 'large.csv');
    await pipeline(campaignChunks(rows), createWriteStream(file));
    const fileBytes = statSync(file).size;
    const batchId = crypto.randomUUID();
    const s3 = emulators.s3;
    if (s3 === undefined) throw new Error('no S3 stand-in');
    const upload = new S3Client({
      // No checksum unless required: a streamed body would otherwise go aws-chunked with a trailing
      // checksum, which s3rver stores as it comes (chunk headers in the file).
      ...s3ClientOptions({ forcePathStyle: true }),
      endpoint: s3.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    await upload.send(
      new PutObjectCommand({
        Bucket: s3.bucket,
        Key: uploadKeyOf(batchId),
        Body: createReadStream(file),
        ContentLength: fileBytes,
      }),
    );
    upload.destroy();
    // Asynchronously: the emulators the writer talks to serve from this process's event loop.
    const { stdout: out } = await execFileAsync(
      process.execPath,
      ['--import', 'tsx', 'bench/ingest-writer.ts'],
      {
        encoding: 'utf8',
        maxBuffer: 10 * MB,
        env: {
          ...process.env,
          POWERTOOLS_LOG_LEVEL: 'SILENT',
          POWERTOOLS_METRICS_DISABLED: 'true',
          AWS_REGION: LOCAL_REGION,
          AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
          AWS_ENDPOINT_URL_DYNAMODB: emulators.endpoints.dynamodb,
          AWS_ENDPOINT_URL_SQS: emulators.endpoints.sqs,
          AWS_ENDPOINT_URL_S3: s3.endpoint,
          UPLOAD_BUCKET: s3.bucket,
          TABLE_NAME: table,
          QUEUE_URL: queues.queueUrl,
          PRIORITY_QUEUE_URL: queues.priorityQueueUrl,
          WRITE_QUEUE_URL: queues.writeQueueUrl,
          BENCH_BATCH_ID: batchId,
          BENCH_WRITER_BUDGET_MS: String(budgetSeconds * 1000),
        },
      },
    );
    const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Omit<
      LargeRun,
      'rows' | 'budgetSeconds' | 'fileBytes' | 'writerPeakRssBytes'
    > & { peakRssBytes?: number };
    return {
      rows,
      budgetSeconds,
      fileBytes,
      state: result.state,
      ...(result.problem ? { problem: result.problem, error: result.error } : {}),
      rowsWritten: result.rowsWritten,
      invocations: result.invocations,
      seconds: result.seconds,
      rowsPerSecond: result.rowsPerSecond,
      writerPeakRssBytes: result.peakRssBytes ?? null,
    };
  } finally {
    clearInterval(purge);
    clients.destroy();
    await emulators.stop();
    rmSync(dir, { recursive: true, force: true });
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
const large = quick ? undefined : await largeRun(LARGE_ROWS, LARGE_BUDGET_SECONDS);

const lines = [
  `Ingest benchmark: ${os.cpus().length}× ${os.cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}`,
  '',
  '(a) the writer, file in S3 to sends queued, vs the same S3 PUT + BatchWrite + SendMessageBatch calls made directly (emulators in this process)',
  '| rows | writer s | writer rows/s | raw s | raw rows/s | writer/raw |',
  '| ---: | ---: | ---: | ---: | ---: | ---: |',
  ...fullRuns.map(
    (r) =>
      `| ${fmt(r.rows)} | ${fmt(r.writerSeconds, 1)} | ${fmt(r.writerRowsPerSecond)} | ${fmt(r.rawSeconds, 1)} | ${fmt(r.rawRowsPerSecond)} | ${fmt(r.ratio, 2)}× |`,
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
  ...(large
    ? [
        '',
        `(c) ${fmt(large.rows)} rows (${fmt(large.fileBytes / MB)} MB) through the S3 path, ${large.budgetSeconds} s per writer invocation, the writer in its own process`,
        '| rows written | state | invocations | seconds | rows/s | writer peak RSS |',
        '| ---: | --- | ---: | ---: | ---: | ---: |',
        `| ${fmt(large.rowsWritten)} | ${large.state}${large.problem ? ` (${large.problem}: ${large.error})` : ''} | ${large.invocations} | ${fmt(large.seconds, 1)} | ${fmt(large.rowsPerSecond)} | ${large.writerPeakRssBytes ? `${fmt(large.writerPeakRssBytes / MB)} MB` : 'n/a'} |`,
      ]
    : []),
];
console.log(lines.join('\n'));
const file = writeBenchResults('ingest', { fullRuns, parseRuns, dedupe, large });
console.log(`\nwritten to ${file}`);
