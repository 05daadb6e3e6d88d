import type { SESv2Client } from '@aws-sdk/client-sesv2';

/** An error shaped like the AWS SDK v3 raises for an SES service error. */
export function sesServiceError(name: string, message: string, httpStatusCode: number): Error {
  const error = new Error(message) as Error & { $metadata: { httpStatusCode: number }; $fault: string };
  error.name = name;
  error.$metadata = { httpStatusCode };
  error.$fault = httpStatusCode >= 500 ? 'server' : 'client';
  return error;
}

/**
 * Fault injection for SES, which the emulator cannot do: the middleware fails SendEmail calls while
 * `fault()` returns an error, before any request is sent. Counts the calls that reached SES.
 */
export function injectSesFaults(ses: SESv2Client, fault: (call: number) => Error | undefined) {
  const counter = { attempted: 0, delivered: 0 };
  ses.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SendEmailCommand') return next(args);
      counter.attempted += 1;
      const error = fault(counter.attempted);
      if (error) throw error;
      const result = await next(args);
      counter.delivered += 1;
      return result;
    },
    { step: 'initialize', name: 'injectSesFaults' },
  );
  return counter;
}
