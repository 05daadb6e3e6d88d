import type { SQSClient } from '@aws-sdk/client-sqs';
import { tableClient } from '../../lambdas/core/store/table-client.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/local-clients.js';
import type { TestAws } from './aws-emulators.js';

/** One DynamoDB request as a store sends it: the command's name and its input, in document form. */
export interface TableRequest {
  command: string;
  input: Record<string, unknown>;
}

/**
 * A new DynamoDB client for the emulator, raw and document: new, so that the middleware a test adds
 * stays with that test (the stores built on aws.clients.documents are untouched). `destroy` it after.
 */
export function tableClientFor(aws: TestAws) {
  return tableClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: aws.emulators.endpoints.dynamodb,
  });
}

/** An error shaped as the AWS SDK raises a DynamoDB server error. */
function tableServerError(): Error {
  const error = new Error('We encountered an internal error. Please try again.') as Error & {
    $fault: string;
    $metadata: { httpStatusCode: number };
  };
  error.name = 'InternalServerError';
  error.$fault = 'server';
  error.$metadata = { httpStatusCode: 500 };
  return error;
}

type TableClient = ReturnType<typeof tableClientFor>;

/**
 * Fault injection for DynamoDB, which the emulator cannot do: each request `picks` chooses fails with
 * InternalServerError before it leaves (before the SDK's retries, so it fails once and for all), or,
 * for `crash`, never settles, as nothing after a crash ever runs. `requests` counts every request seen;
 * `reached` resolves at the first crash.
 */
export function injectTableFaults(
  client: TableClient,
  picks: (request: TableRequest, seen: number) => 'fail' | 'crash' | undefined,
) {
  const counter = { requests: 0, failed: 0, crashed: 0 };
  let signal: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    signal = resolve;
  });
  client.raw.middlewareStack.add(
    (next, context) => async (args) => {
      counter.requests += 1;
      const fault = picks(
        { command: context.commandName ?? '', input: args.input as Record<string, unknown> },
        counter.requests,
      );
      if (fault === 'fail') {
        counter.failed += 1;
        throw tableServerError();
      }
      if (fault === 'crash') {
        counter.crashed += 1;
        signal();
        return new Promise<never>(() => {});
      }
      return next(args);
    },
    { step: 'initialize', name: 'injectTableFaults' },
  );
  return { counter, reached };
}

/**
 * A crash, injected by middleware on an SQS client: request number `call` of `command` never leaves
 * and never settles (the invocation that made it is dead). `reached` resolves when it happens.
 */
export function injectQueueCrash(sqs: SQSClient, command: string, call = 1) {
  let calls = 0;
  let signal: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    signal = resolve;
  });
  sqs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== command) return next(args);
      calls += 1;
      if (calls !== call) return next(args);
      signal();
      return new Promise<never>(() => {});
    },
    { step: 'initialize', name: 'injectQueueCrash' },
  );
  return { reached };
}
