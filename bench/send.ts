/**
 * `npm run bench:send [-- sends]`: the sender alone, in this process, against the embedded emulators.
 * For each R in 10, 50 and 200 sends/s, SES is limited to R by a throttling middleware (a token bucket
 * with one second of burst that fails calls above it with TooManyRequestsException "Maximum sending
 * rate exceeded."), the sender is configured with MAX_SEND_RATE = R, and LOOPS concurrent sender
 * loops (the local event source) send a campaign of `sends` (2,000 by default). Reported: achieved
 * rate / R and the throttling answers seen; then the same without any limit (sends/s). The campaign
 * is enqueued before the clock starts, so the figures are the sender's alone (R = 10 takes 200 s).
 * Prints a table and writes JSON to bench/results/.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { SEND_QUEUE } from '../lambdas/contract/queue-settings.js';
import { createSenderHandler } from '../lambdas/sender/handler.js';
import { SendPacer } from '../lambdas/sender/send-pacer.js';
import { RatePacing, type SendPacing } from '../lambdas/sender/send-pacing.js';
import { SendRate } from '../lambdas/sender/send-rate.js';
import { startSqsEventSource } from '../local/sqs-event-source.js';
import { startTestAws, type TestAws } from '../test/helpers/aws-emulators.js';
import { countsOf, csvOf, ingestText, senderDepsFor, sesClientFor } from '../test/helpers/send-pipeline.js';
import { unpaced } from '../test/helpers/sender-doubles.js';
import { injectSesFaults, limitSesRate } from '../test/helpers/ses-faults.js';
import { writeBenchResults } from './bench-results.js';

const RATES = [10, 50, 200];
const LOOPS = 4;

interface RunResult {
  limit: number | null;
  sends: number;
  seconds: number;
  achievedPerSecond: number;
  /** achieved / limit; null without a limit. */
  ratio: number | null;
  throttles: number;
  sesCalls: number;
}

async function run(aws: TestAws, sends: number, limit: number | null): Promise<RunResult> {
  const report = await ingestText(
    aws,
    csvOf([
      ['email', 'subject', 'content', 'name'],
      ...Array.from({ length: sends }, (_, i) => [
        `r${i}-${randomUUID().slice(0, 8)}@example.com`,
        'Hello {{name}}',
        '<p>Dear {{name}}: our news</p>',
        `N${i}`,
      ]),
    ]),
    { chunkRows: 500 },
  );
  const ses = sesClientFor(aws);
  const counter = limit === null ? undefined : limitSesRate(ses, limit);
  const calls = injectSesFaults(ses, () => undefined);
  const pacing: SendPacing =
    limit === null
      ? unpaced
      : new RatePacing(
          new SendRate({ override: limit, fallback: 1, readAccountRate: async () => limit, now: Date.now }),
          new SendPacer({ now: () => performance.now(), sleep: (ms) => sleep(ms) }, { concurrency: LOOPS }),
        );
  const handler = createSenderHandler(
    senderDepsFor(aws, ses, { maxReceiveCount: SEND_QUEUE.maxReceiveCount, pacing }),
  );
  const started = performance.now();
  const events = startSqsEventSource({
    sqs: aws.clients.sqs,
    queueUrl: aws.queues.queueUrl,
    handler: (event) => handler(event),
    functionName: 'sender',
    batchSize: SEND_QUEUE.batchSize,
    concurrency: LOOPS,
    onError: (error) => console.error('event source:', error),
  });
  let seconds: number;
  try {
    for (;;) {
      const counts = await countsOf(aws, report.batchId);
      if (counts.SENT + counts.ERROR >= sends) break;
      if (performance.now() - started > 10 * 60_000) throw new Error(`stalled at ${counts.SENT} sent`);
      await sleep(200);
    }
    seconds = (performance.now() - started) / 1000;
  } finally {
    await events.stop();
    ses.destroy();
  }
  const achievedPerSecond = sends / seconds;
  return {
    limit,
    sends,
    seconds: round(seconds, 1),
    achievedPerSecond: round(achievedPerSecond, 1),
    ratio: limit === null ? null : round(achievedPerSecond / limit, 2),
    throttles: counter?.throttled ?? 0,
    sesCalls: calls.attempted,
  };
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function table(results: RunResult[]): string {
  const header = ['SES limit R', 'sends', 'seconds', 'achieved/s', 'achieved / R', 'throttles', 'SES calls'];
  const rows = results.map((r) => [
    r.limit === null ? 'none' : `${r.limit}/s`,
    r.sends.toLocaleString('en'),
    r.seconds.toFixed(1),
    r.achievedPerSecond.toFixed(1),
    r.ratio === null ? '–' : r.ratio.toFixed(2),
    String(r.throttles),
    r.sesCalls.toLocaleString('en'),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i] ?? 0)).join(' | ')} |`;
  return [
    line(header),
    `| ${widths.map((w) => `${'-'.repeat(w - 1)}:`).join(' | ')} |`,
    ...rows.map(line),
  ].join('\n');
}

async function main() {
  const arg = process.argv[2];
  const sends = arg === undefined ? 2000 : Number(arg);
  if (!Number.isSafeInteger(sends) || sends < 10)
    throw new Error(`sends must be an integer ≥ 10, got "${arg}"`);
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const aws = await startTestAws();
  const results: RunResult[] = [];
  try {
    for (const limit of [...RATES, null]) {
      const result = await run(aws, sends, limit);
      console.error(`R=${limit ?? 'none'}: ${JSON.stringify(result)}`);
      results.push(result);
    }
  } finally {
    await aws.stop();
  }
  console.log(
    `\n${LOOPS} sender loops, MAX_SEND_RATE = R, ${os.cpus().length} CPUs (${os.cpus()[0]?.model.trim()}), Node ${process.version}\n`,
  );
  console.log(table(results));
  const file = writeBenchResults('send', { loops: LOOPS, results });
  console.log(`\nwritten to ${file}`);
}

await main();
