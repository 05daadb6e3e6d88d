import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { repoPath } from '../../lib/repo-paths.js';
import { pollUntil } from './poll.js';

export interface RunnerProcess {
  apiUrl: string;
  /** The development key the runner printed (every scope). */
  apiKey: string;
  mailViewerUrl?: string;
  child: ChildProcess;
  output(): string;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<void>;
  /** SIGKILL: the process dies wherever it is, as in a crash. */
  kill(): Promise<void>;
}

/**
 * The arguments `npm start` gives node (package.json's start script, which must be `node …`): the same
 * flags, its heap limit among them, and the same program. Node itself, not the tsx wrapper: one process,
 * so a SIGKILL kills the runner itself and not only a parent that would leave it running (and holding
 * the database lock) behind.
 */
function startArguments(): string[] {
  const manifest = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const [command, ...args] = manifest.scripts.start.trim().split(/\s+/);
  if (command !== 'node') throw new Error(`npm start is not "node …" but "${manifest.scripts.start}"`);
  return args;
}

/**
 * Starts `npm start`'s program (local/start.ts) as its own process on free ports and waits until it
 * prints its URLs, so tests exercise exactly what a developer runs.
 */
export async function startRunnerProcess(
  env: Record<string, string>,
  // Inside vitest's 60 s hook timeout, so that a runner that does not start says why (its output).
  timeoutMs = 45_000,
): Promise<RunnerProcess> {
  const child = spawn(process.execPath, startArguments(), {
    env: { ...process.env, PORT: '0', LOCAL_SES_PORT: '0', POWERTOOLS_LOG_LEVEL: 'ERROR', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  try {
    await pollUntil(
      'the local runner to print its URLs',
      async () => {
        if (child.exitCode !== null)
          throw new Error(`local runner exited with ${child.exitCode}:\n${output}`);
        return output;
      },
      (seen) => /^API: (\S+)$/m.test(seen),
      { timeoutMs },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  const apiUrl = /^API: (\S+)$/m.exec(output)?.[1] ?? '';
  const apiKey = /^API key: (\S+)$/m.exec(output)?.[1] ?? '';
  const viewer = /Mail viewer:\s+(http\S+)/.exec(output)?.[1];
  const exited = once(child, 'exit');
  return {
    apiUrl,
    apiKey,
    ...(viewer ? { mailViewerUrl: viewer } : {}),
    child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    kill: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export async function graphql<T>(
  runner: Pick<RunnerProcess, 'apiUrl' | 'apiKey'>,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const response = await fetch(`${runner.apiUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': runner.apiKey },
    body: JSON.stringify({ query, variables }),
  });
  const result = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (result.errors?.length)
    throw new Error(`GraphQL errors: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.data as T;
}

/** A runner of the calling test file: its process and the fresh data directory it keeps its table in. */
export interface FileRunner {
  runner: RunnerProcess;
  dataDir: string;
}

/**
 * Starts one runner on a fresh data directory before the calling file's tests and stops it (and removes
 * the directory) after them. Read the returned object inside tests and hooks: it is filled in by beforeAll.
 */
export function runnerForThisFile(env: Record<string, string> = {}): FileRunner {
  const started = {} as FileRunner;
  beforeAll(async () => {
    started.dataDir = mkdtempSync(join(tmpdir(), 'mailer-e2e-'));
    started.runner = await startRunnerProcess({ LOCAL_DATA_DIR: started.dataDir, ...env });
  });
  afterAll(async () => {
    await started.runner?.stop();
    if (started.dataDir) rmSync(started.dataDir, { recursive: true, force: true });
  });
  return started;
}
