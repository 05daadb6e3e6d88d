/**
 * `npm run bench:pipeline [-- rows...]`: for each size, a fresh local runner (what `npm start` runs)
 * in its own process, one CSV upload of that many distinct recipients, and the time until GraphQL
 * reports every send SENT. Prints a table and writes the same as JSON to bench/results/.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SEND_QUEUE } from '../lambdas/contract/queue-settings.js';
import { localConfig } from '../local/local-config.js';
import { type RunnerProcess, startRunnerProcess } from '../test/helpers/local-runner-process.js';
import { pollUntil } from '../test/helpers/poll.js';
import { waitUntilAllSent } from './batch-progress.js';
import { writeBenchResults } from './bench-results.js';
import { campaignCsv } from './campaign-csv.js';
import { cpuSeconds, machineBusySeconds, peakRssBytes } from './process-stats.js';

const DEFAULT_SIZES = [1000, 10_000];
/** BENCH_POLL_MS changes it, to see what the polling itself costs the runner. */
const POLL_INTERVAL_MS = pollIntervalFrom(process.env.BENCH_POLL_MS);
const STALL_MS = 60_000;
const MB = 1024 * 1024;

interface RunResult {
  rows: number;
  accepted: number;
  uploadBytes: number;
  /** Upload request sent until its 202 answer was read (the file checked and stored; the writer follows). */
  uploadMs: number;
  /**
   * Sends already SENT at the first poll after the 202: the sender works on the first chunks while the
   * writer still writes the later ones.
   */
  sentAtUploadAnswer: number;
  /** The 202 answer until a poll saw every send SENT. */
  drainSeconds: number;
  /** Upload request sent until a poll saw every send SENT. */
  allSentSeconds: number;
  /** accepted / allSentSeconds. */
  sendsPerSecond: number;
  /** CPU the runner used from the upload to all SENT, as a share of one core (Linux only). */
  runnerCpuPercent: number | null;
  /** VmHWM of the runner process after the run (emulators included: they run in the same process). */
  peakRssMb: number | null;
  /**
   * CPU other processes than the runner and this benchmark used meanwhile, as a share of one core (Linux
   * only): anything well above 0 competed with the runner and makes the numbers pessimistic.
   */
  otherCpuPercent: number | null;
  polls: number;
  meanPollMs: number;
  maxPollMs: number;
}

function pollIntervalFrom(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 100;
  const ms = Number(raw);
  if (!Number.isSafeInteger(ms) || ms < 1) throw new Error(`BENCH_POLL_MS is not a number of ms: "${raw}"`);
  return ms;
}

function jsonOrEmpty(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}

const difference = (before: number | undefined, after: number | undefined) =>
  before === undefined || after === undefined ? undefined : after - before;

function sizesFrom(args: string[]): number[] {
  if (args.length === 0) return DEFAULT_SIZES;
  return args.map((arg) => {
    const rows = Number(arg.replace(/_/g, ''));
    if (!Number.isSafeInteger(rows) || rows < 1) throw new Error(`not a row count: "${arg}"`);
    return rows;
  });
}

async function benchOne(rows: number): Promise<RunResult> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'mailer-bench-'));
  let runner: RunnerProcess | undefined;
  try {
    runner = await startRunnerProcess({ LOCAL_DATA_DIR: dataDir });
    const { apiUrl, apiKey } = runner;
    await pollUntil(
      '/health to answer 200',
      () =>
        fetch(`${apiUrl}/health`).then(
          (answer) => answer.status,
          (error: unknown) => String(error),
        ),
      (status) => status === 200,
      { timeoutMs: 30_000 },
    );

    const csv = campaignCsv(rows);
    const pid = runner.child.pid;
    const cpuAtStart = cpuSeconds(pid);
    const machineAtStart = machineBusySeconds();
    const benchAtStart = process.cpuUsage();
    const uploadStarted = performance.now();
    const response = await fetch(`${apiUrl}/campaigns/upload`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', 'x-api-key': apiKey },
      body: csv,
    });
    const answer = await response.text();
    const uploadAnswered = performance.now();
    const report = jsonOrEmpty(answer) as { batchId?: string; accepted?: number };
    if (response.status !== 202 || report.batchId === undefined || report.accepted === undefined)
      throw new Error(
        `upload answered ${response.status} after ${(uploadAnswered - uploadStarted).toFixed(0)} ms: ${answer.slice(0, 1000)}`,
      );
    if (report.accepted !== rows)
      throw new Error(`upload accepted ${report.accepted} of ${rows} rows: ${JSON.stringify(report)}`);

    const progress = await waitUntilAllSent(runner, report.batchId, rows, {
      intervalMs: POLL_INTERVAL_MS,
      stallMs: STALL_MS,
    });
    const runnerCpu = difference(cpuAtStart, cpuSeconds(pid));
    const machineCpu = difference(machineAtStart, machineBusySeconds());
    const benchCpu = process.cpuUsage(benchAtStart);
    const peak = peakRssBytes(pid);
    const allSentSeconds = (progress.allSentAt - uploadStarted) / 1000;
    const share = (cpu: number) => (100 * cpu) / allSentSeconds;
    const drainSeconds = (progress.allSentAt - uploadAnswered) / 1000;
    return {
      rows,
      accepted: report.accepted,
      uploadBytes: Buffer.byteLength(csv),
      uploadMs: uploadAnswered - uploadStarted,
      sentAtUploadAnswer: progress.firstCounts.sent,
      drainSeconds,
      allSentSeconds,
      sendsPerSecond: report.accepted / allSentSeconds,
      runnerCpuPercent: runnerCpu === undefined ? null : share(runnerCpu),
      peakRssMb: peak === undefined ? null : peak / MB,
      otherCpuPercent:
        runnerCpu === undefined || machineCpu === undefined
          ? null
          : share(Math.max(0, machineCpu - runnerCpu - (benchCpu.user + benchCpu.system) / 1e6)),
      polls: progress.polls,
      meanPollMs: progress.meanPollMs,
      maxPollMs: progress.maxPollMs,
    };
  } catch (error) {
    if (runner)
      console.error(`--- runner output (last 4000 characters) ---\n${runner.output().slice(-4000)}`);
    throw error;
  } finally {
    await runner?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface FailedRun {
  rows: number;
  error: string;
}

function table(results: (RunResult | FailedRun)[]): string {
  const header = [
    'rows',
    'upload ms',
    '202→all SENT s',
    'upload→all SENT s',
    'sends/s',
    'peak RSS MB',
    'runner CPU %',
    'mean poll ms',
    'other CPU %',
  ];
  const body = results.map((r) =>
    'error' in r
      ? [String(r.rows), 'FAILED', ...header.slice(2).map(() => '-')]
      : [
          String(r.rows),
          r.uploadMs.toFixed(0),
          r.drainSeconds.toFixed(2),
          r.allSentSeconds.toFixed(2),
          r.sendsPerSecond.toFixed(0),
          r.peakRssMb === null ? 'n/a' : r.peakRssMb.toFixed(0),
          r.runnerCpuPercent === null ? 'n/a' : r.runnerCpuPercent.toFixed(0),
          r.meanPollMs.toFixed(0),
          r.otherCpuPercent === null ? 'n/a' : r.otherCpuPercent.toFixed(0),
        ],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i] ?? 0)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(header), rule, ...body.map(line)].join('\n');
}

/** The commit measured, and the files outside bench/ changed in the working tree (which the runner runs). */
function sourceState(): { commit: string; changedFiles: string[] } {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return '';
    }
  };
  return {
    commit: git('rev-parse', 'HEAD').trim() || 'unknown',
    changedFiles: git('status', '--porcelain')
      .split('\n')
      .map((line) => line.slice(3))
      .filter((path) => path !== '' && !path.startsWith('bench/')),
  };
}

// Run from the repository root whatever the caller's directory: the runner is started as local/start.ts.
const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

const sizes = sizesFrom(process.argv.slice(2));
const config = localConfig(process.env);
const machine = {
  cpuModel: os.cpus()[0]?.model ?? 'unknown',
  cpus: os.cpus().length,
  node: process.version,
  platform: `${os.platform()} ${os.arch()}`,
  totalMemoryMb: Math.round(os.totalmem() / MB),
};
const settings = {
  senderConcurrency: config.senderConcurrency,
  sqsBatchSize: SEND_QUEUE.batchSize,
  pollIntervalMs: POLL_INTERVAL_MS,
  stallSeconds: STALL_MS / 1000,
  // Anything set in this shell that changes what the runner does (the runner inherits the environment).
  environment: Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => /^(LOCAL_|SEND_|SWEEP_|INGEST_|MAX_)/.test(name) && name !== 'LOCAL_DATA_DIR',
    ),
  ),
};

const code = sourceState();
const startedAt = new Date();
const results: (RunResult | FailedRun)[] = [];
for (const rows of sizes) {
  console.log(`${rows} rows: starting a fresh runner, uploading, waiting for every send to be SENT...`);
  try {
    results.push(await benchOne(rows));
  } catch (error) {
    // Loud, but the other sizes still run and the table still shows what was measured.
    console.error(`${rows} rows FAILED:`, error);
    results.push({ rows, error: error instanceof Error ? error.message : String(error) });
    process.exitCode = 1;
  }
}
const failures = results.filter((r): r is FailedRun => 'error' in r);
console.log(`
Pipeline benchmark (local mode): upload → every send SENT
Machine: ${machine.cpuModel}, ${machine.cpus} CPUs, ${machine.totalMemoryMb} MB, Node ${machine.node}, ${machine.platform}
Code:    ${code.commit.slice(0, 12)}${code.changedFiles.length ? ` + ${code.changedFiles.length} uncommitted changes outside bench/ (listed in the JSON)` : ''}
Runner:  ${config.senderConcurrency} sender pollers (LOCAL_SENDER_CONCURRENCY), SQS batch ${settings.sqsBatchSize}, GraphQL poll every ${POLL_INTERVAL_MS} ms

${table(results)}
${failures.map((f) => `\n${f.rows} rows FAILED: ${f.error}`).join('')}${
  results.some((r) => 'otherCpuPercent' in r && (r.otherCpuPercent ?? 0) >= 20)
    ? '\nNote: other processes used the CPUs during a run (other CPU % ≥ 20): its numbers are pessimistic.'
    : ''
}`);

const file = writeBenchResults('pipeline', {
  date: startedAt.toISOString(),
  code,
  machine,
  settings,
  results,
});
console.log(`Written to ${file}`);
