import cliProgress from 'cli-progress';
import type { BatchProgress } from './api-client.js';

/**
 * The two progress displays of `campaign send`: bytes of the file going up, then the batch's mails
 * going out. On a terminal they are cli-progress bars redrawn in place; anywhere else (a pipe, a CI log)
 * a plain line per change, at most one every `plainEveryMs`, so that a log stays readable.
 */

export interface ProgressOptions {
  stream: NodeJS.WriteStream;
  /** Least time between two plain lines when the stream is not a terminal. */
  plainEveryMs?: number;
}

const UNITS = ['B', 'kB', 'MB', 'GB'];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`;
}

/** `42s`, `3m 05s`, `1h 02m`: a time left as a person reads it. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** Prints a plain line unless the last one was printed less than `everyMs` ago (the last always prints). */
function plainPrinter(stream: NodeJS.WriteStream, everyMs: number) {
  let last = 0;
  let lastLine = '';
  return (line: string, force = false) => {
    const now = Date.now();
    if (line === lastLine || (!force && now - last < everyMs)) return;
    last = now;
    lastLine = line;
    stream.write(`${line}\n`);
  };
}

const barStyle = (stream: NodeJS.WriteStream, format: string) =>
  new cliProgress.SingleBar(
    { stream, format, hideCursor: true, clearOnComplete: false, barsize: 30, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );

export interface UploadDisplay {
  update(sentBytes: number): void;
  stop(): void;
}

export function uploadDisplay(fileName: string, totalBytes: number, options: ProgressOptions): UploadDisplay {
  const total = formatBytes(totalBytes);
  const percent = (sent: number) => Math.floor((100 * sent) / Math.max(totalBytes, 1));
  if (!options.stream.isTTY) {
    const print = plainPrinter(options.stream, options.plainEveryMs ?? 2000);
    return {
      update: (sent) =>
        print(
          `Uploading ${fileName}: ${percent(sent)}% (${formatBytes(sent)} of ${total})`,
          sent >= totalBytes,
        ),
      stop: () => {},
    };
  }
  const bar = barStyle(
    options.stream,
    `Uploading ${fileName} {bar} {percentage}% | {sentText} of ${total} | {eta_formatted} left`,
  );
  bar.start(totalBytes, 0, { sentText: formatBytes(0) });
  return {
    update: (sent) => bar.update(sent, { sentText: formatBytes(sent) }),
    stop: () => bar.stop(),
  };
}

/** What the batch display shows besides the bar: mails out, failed, the rate and the time left. */
export interface BatchFigures {
  done: number;
  total: number;
  sent: number;
  errors: number;
  /** Mails per second since sending began; 0 before. */
  rate: number;
  secondsLeft: number;
}

export function batchFigures(batch: BatchProgress, now: Date): BatchFigures {
  const sent = batch.counts.sent;
  const errors = batch.counts.error;
  const done = sent + errors;
  const started = batch.startedAt ? Date.parse(batch.startedAt) : undefined;
  const until = batch.finishedAt ? Date.parse(batch.finishedAt) : now.getTime();
  const seconds = started === undefined ? 0 : (until - started) / 1000;
  const rate = seconds > 0 ? done / seconds : 0;
  const left = batch.total - done;
  return {
    done,
    total: batch.total,
    sent,
    errors,
    rate,
    secondsLeft: left === 0 ? 0 : rate > 0 ? left / rate : Number.NaN,
  };
}

export interface BatchDisplay {
  update(figures: BatchFigures): void;
  stop(): void;
}

const rateText = (rate: number) => (rate >= 10 ? rate.toFixed(0) : rate.toFixed(1));

export function batchDisplay(batchId: string, options: ProgressOptions): BatchDisplay {
  if (!options.stream.isTTY) {
    const print = plainPrinter(options.stream, options.plainEveryMs ?? 2000);
    return {
      update: (f) =>
        print(
          `Batch ${batchId}: ${f.done}/${f.total} done, sent ${f.sent}, errors ${f.errors}, ${rateText(f.rate)}/s, ${formatDuration(f.secondsLeft)} left`,
          f.done >= f.total,
        ),
      stop: () => {},
    };
  }
  const bar = barStyle(
    options.stream,
    'Sending {bar} {percentage}% | {value}/{total} | sent {sent} | errors {errors} | {rate}/s | {left} left',
  );
  let started = false;
  return {
    update: (f) => {
      const payload = {
        sent: f.sent,
        errors: f.errors,
        rate: rateText(f.rate),
        left: formatDuration(f.secondsLeft),
      };
      if (!started) {
        bar.start(Math.max(f.total, 1), f.done, payload);
        started = true;
      } else {
        bar.setTotal(Math.max(f.total, 1));
        bar.update(f.done, payload);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
