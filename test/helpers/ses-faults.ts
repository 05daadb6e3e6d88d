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

/**
 * A crash, injected by middleware: on SendEmail call number `call`, the invocation stops for good
 * either before the request leaves (`before-ses`: the send is claimed, SES never hears of it) or
 * after SES accepted the mail (`after-ses`: the mail is out, SENT is never written). The promise of
 * that invocation never settles, as nothing after a crash ever runs. `reached` resolves when it happens.
 */
export function injectSesCrash(ses: SESv2Client, when: 'before-ses' | 'after-ses', call = 1) {
  let calls = 0;
  let signal: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    signal = resolve;
  });
  ses.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SendEmailCommand') return next(args);
      calls += 1;
      if (calls !== call) return next(args);
      if (when === 'after-ses') await next(args);
      signal();
      return new Promise<never>(() => {});
    },
    { step: 'initialize', name: 'injectSesCrash' },
  );
  return { reached };
}

/**
 * SES's per-second limit, injected by middleware: a token bucket of `ratePerSecond` tokens (one
 * second of burst) refilled continuously; a SendEmail call that finds it empty fails as SES fails it,
 * TooManyRequestsException "Maximum sending rate exceeded.". Counts what got through and what not.
 */
export function limitSesRate(
  ses: SESv2Client,
  ratePerSecond: number,
  now: () => number = performance.now.bind(performance),
) {
  const counter = { accepted: 0, throttled: 0 };
  let tokens = ratePerSecond;
  let last = now();
  ses.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'SendEmailCommand') return next(args);
      const t = now();
      tokens = Math.min(ratePerSecond, tokens + ((t - last) / 1000) * ratePerSecond);
      last = t;
      if (tokens < 1) {
        counter.throttled += 1;
        throw sesServiceError('TooManyRequestsException', 'Maximum sending rate exceeded.', 429);
      }
      tokens -= 1;
      counter.accepted += 1;
      return next(args);
    },
    { step: 'initialize', name: 'limitSesRate' },
  );
  return counter;
}
