import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { FUNCTIONS, type FunctionId } from '../lambdas/contract/functions.js';

/**
 * The Lambda context a handler receives, as far as our handlers and middy read it, with the remaining
 * time counting down from the function's own timeout (the contract's FUNCTIONS, as the stack deploys it).
 */
export function lambdaContext(id: FunctionId): Context {
  const functionName = FUNCTIONS[id].serviceName;
  const deadline = Date.now() + FUNCTIONS[id].timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}
