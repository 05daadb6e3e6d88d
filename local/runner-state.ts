import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * What a running `npm start` tells other local commands (`npm run apikey -- --local`, `npm run redrive
 * -- --local`): the embedded DynamoDB's data directory is locked by the runner and the embedded queues
 * live in its memory, so they must go through its endpoints.
 */
export interface RunnerState {
  pid: number;
  dynamodbEndpoint: string;
  tableName: string;
  sqsEndpoint: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
  /** The high-priority send queue and its dead-letter queue. */
  priorityQueueUrl: string;
  priorityDeadLetterQueueUrl: string;
}

const stateFile = (dataDir: string) => join(resolve(dataDir), 'runner.json');

export function writeRunnerState(dataDir: string, state: RunnerState): void {
  mkdirSync(resolve(dataDir), { recursive: true });
  writeFileSync(stateFile(dataDir), `${JSON.stringify(state, null, 2)}\n`);
}

export function removeRunnerState(dataDir: string): void {
  rmSync(stateFile(dataDir), { force: true });
}

/** The state of a runner that is still alive, or undefined (none started, or it died without cleaning up). */
export function liveRunnerState(dataDir: string): RunnerState | undefined {
  let state: RunnerState;
  try {
    state = JSON.parse(readFileSync(stateFile(dataDir), 'utf8')) as RunnerState;
  } catch {
    return undefined;
  }
  try {
    process.kill(state.pid, 0);
    return state;
  } catch {
    return undefined;
  }
}
