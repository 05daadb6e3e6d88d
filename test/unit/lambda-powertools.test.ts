import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withPowertools } from '../../lambdas/core/observability/lambda-powertools.js';
import { METRIC, MetricUnit, metrics } from '../../lambdas/core/observability/metrics.js';
import { lambdaContext } from '../../local/lambda-context.js';

/** Everything written to stdout and stderr while `run` runs. */
async function printedBy(run: () => Promise<unknown>): Promise<string> {
  const printed: string[] = [];
  const capture = (chunk: unknown) => {
    printed.push(String(chunk));
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await run();
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return printed.join('');
}

const context: Context = lambdaContext('health');

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the Powertools wrapper of every handler', () => {
  it('says nothing about metrics after an invocation that added none', async () => {
    const handler = withPowertools(async () => 'ok');
    const printed = await printedBy(() => handler({}, context));
    expect(printed).not.toContain('No application metrics');
  });

  it('flushes the metrics an invocation added, and keeps none for the next', async () => {
    const publish = vi.spyOn(metrics, 'publishStoredMetrics');
    const handler = withPowertools(async () => {
      metrics.addMetric(Object.values(METRIC)[0] as string, MetricUnit.Count, 1);
      return 'ok';
    });
    await handler({}, context);
    expect(publish).toHaveBeenCalledTimes(1);
    expect(metrics.hasStoredMetrics()).toBe(false);
  });

  it('flushes them when the handler throws too', async () => {
    const publish = vi.spyOn(metrics, 'publishStoredMetrics');
    const handler = withPowertools(async () => {
      metrics.addMetric(Object.values(METRIC)[0] as string, MetricUnit.Count, 1);
      throw new Error('failed');
    });
    await expect(handler({}, context)).rejects.toThrow('failed');
    expect(publish).toHaveBeenCalledTimes(1);
  });
});
