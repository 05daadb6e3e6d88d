/**
 * The send rate (sends per second, across all senders) the pacer aims at:
 * - the configured MAX_SEND_RATE when set (SES is then not asked);
 * - otherwise the account's own, SendQuota.MaxSendRate from SES GetAccount, read once per container
 *   and again after `refreshMs` (SES raises quotas while a campaign runs);
 * - the configured DEFAULT_SEND_RATE while GetAccount fails (no permission, the local emulator without
 *   an account configured), asked again after `retryMs`.
 */
export interface SendRateOptions {
  override?: number;
  fallback: number;
  /** Reads the account's maximum send rate; may throw. */
  readAccountRate: () => Promise<number>;
  now: () => number;
  refreshMs?: number;
  retryMs?: number;
  /** Told once per failed read, for a log line. */
  onReadFailure?: (error: unknown) => void;
}

export type SendRateOrigin = 'configured' | 'account' | 'fallback';

export class SendRate {
  private cached: { rate: number; origin: SendRateOrigin; until: number } | undefined;
  private reading: Promise<void> | undefined;

  constructor(private readonly options: SendRateOptions) {}

  async current(): Promise<number> {
    return (await this.describe()).rate;
  }

  async describe(): Promise<{ rate: number; origin: SendRateOrigin }> {
    const { override, fallback } = this.options;
    if (override !== undefined) return { rate: override, origin: 'configured' };
    if (this.cached === undefined || this.options.now() >= this.cached.until) {
      // Invocations running at once in one process share one read.
      this.reading ??= this.read().finally(() => {
        this.reading = undefined;
      });
      await this.reading;
    }
    return this.cached
      ? { rate: this.cached.rate, origin: this.cached.origin }
      : { rate: fallback, origin: 'fallback' };
  }

  private async read(): Promise<void> {
    const { readAccountRate, now, fallback } = this.options;
    try {
      const rate = await readAccountRate();
      if (!(Number.isFinite(rate) && rate > 0)) throw new Error(`SES reported a send rate of ${rate}`);
      this.cached = { rate, origin: 'account', until: now() + (this.options.refreshMs ?? 10 * 60_000) };
    } catch (error) {
      this.options.onReadFailure?.(error);
      this.cached = { rate: fallback, origin: 'fallback', until: now() + (this.options.retryMs ?? 60_000) };
    }
  }
}
