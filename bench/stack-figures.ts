import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FunctionId } from '../lambdas/contract/functions.js';

/**
 * Figures of the deployed stack the cost model needs (each function's memory, the sweeper's schedule,
 * how long uploaded files are kept), read from the CDK sources themselves rather than copied: loading the
 * constructs would load aws-cdk-lib, and a copy would drift. Each figure must be found exactly once, or
 * the bench stops and says which.
 */
const LIB = join(import.meta.dirname, '..', 'lib', 'constructs');

const source = (file: string) => readFileSync(join(LIB, file), 'utf8');

function only(matches: RegExpMatchArray[], what: string): RegExpMatchArray {
  const [match] = matches;
  if (matches.length !== 1 || match === undefined) {
    throw new Error(
      `stack-figures: found ${matches.length} matches for ${what} in lib/constructs; expected 1`,
    );
  }
  return match;
}

/** memorySize of a ProjectFunction, from the construct that declares it. */
export function memoryMbOf(id: FunctionId): number {
  const file = id === 'uploadUrl' ? 'large-uploads.ts' : 'functions.ts';
  const pattern = new RegExp(`function: '${id}',[^}]*?memorySize: (\\d+)`, 'gs');
  return Number(only([...source(file).matchAll(pattern)], `the memory of ${id}`)[1]);
}

/** Seconds between two scheduled sweeper runs (SWEEP_SCHEDULE). */
export function sweepIntervalSeconds(): number {
  const match = only(
    [
      ...source('functions.ts').matchAll(
        /SWEEP_SCHEDULE = Schedule\.rate\(Duration\.(minutes|seconds)\((\d+)\)\)/g,
      ),
    ],
    'SWEEP_SCHEDULE',
  );
  return Number(match[2]) * (match[1] === 'minutes' ? 60 : 1);
}

/** Days S3 keeps an uploaded file (UPLOAD_RETENTION). */
export function uploadRetentionDays(): number {
  return Number(
    only(
      [...source('large-uploads.ts').matchAll(/UPLOAD_RETENTION = Duration\.days\((\d+)\)/g)],
      'UPLOAD_RETENTION',
    )[1],
  );
}

/** Days CloudWatch keeps a function's logs (RetentionDays of project-function.ts). */
export function logRetentionDays(): number {
  const match = only(
    [...source('project-function.ts').matchAll(/retention: RetentionDays\.(\w+),/g)],
    "the functions' log retention",
  );
  const days: Record<string, number> = { ONE_WEEK: 7, TWO_WEEKS: 14, ONE_MONTH: 30, THREE_MONTHS: 90 };
  const value = days[match[1] ?? ''];
  if (value === undefined) throw new Error(`stack-figures: unknown log retention ${match[1]}`);
  return value;
}

/** Whether the table has point-in-time recovery on. */
export function pitrEnabled(): boolean {
  return /pointInTimeRecoveryEnabled: true/.test(source('storage.ts'));
}
