/**
 * A crash of the invocation at one AWS call, injected by SDK middleware (no emulator can crash a
 * function for us). The call that crashes never settles, as nothing after a crash ever runs: `before`
 * it leaves (the call never happened), or `after` it took effect (its answer never came back).
 */
export interface CrashPoint {
  /**
   * The command's name as the client's middleware sees it, e.g. `PutObjectCommand`; for the DynamoDB
   * document client, the low-level command (`BatchWriteItemCommand`, `UpdateItemCommand`).
   */
  command: string;
  when: 'before' | 'after';
  /** Which of the matching calls crashes: 1 for the first. */
  call: number;
  /** Only the calls whose input this accepts count (all of the command's calls without it). */
  matches?: (input: Record<string, unknown>) => boolean;
}

type Handler = (args: { input: Record<string, unknown> }) => Promise<unknown>;
type Middleware = (next: Handler, context: { commandName?: string }) => Handler;

/** What every SDK v3 client has: the middleware stack. */
interface MiddlewareHost {
  middlewareStack: { add(middleware: never, options: { step: 'initialize'; name: string }): void };
}

export function injectCrash(client: MiddlewareHost, point: CrashPoint): { reached: Promise<void> } {
  let calls = 0;
  let signal: () => void = () => {};
  const reached = new Promise<void>((resolve) => {
    signal = resolve;
  });
  const middleware: Middleware = (next, context) => async (args) => {
    if (context.commandName !== point.command || !(point.matches?.(args.input) ?? true)) return next(args);
    calls += 1;
    if (calls !== point.call) return next(args);
    if (point.when === 'after') await next(args);
    signal();
    return new Promise<never>(() => {});
  };
  client.middlewareStack.add(middleware as never, { step: 'initialize', name: `crash-${point.command}` });
  return { reached };
}
