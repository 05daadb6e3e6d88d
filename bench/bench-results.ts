import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

/** Where every benchmark keeps its figures (git-ignored). */
const RESULTS_DIR = join(import.meta.dirname, 'results');

/**
 * Writes one run's figures to bench/results/<name>-<time>.json, with the machine they were measured
 * on (which `data.machine` may replace with more detail), and returns the file's path.
 */
export function writeBenchResults(name: string, data: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model.trim(), node: process.version };
  writeFileSync(file, `${JSON.stringify({ machine, ...data }, null, 2)}\n`);
  return file;
}
