import { describe, expect, it, vi } from 'vitest';
import { generateApiKey } from '../../lambdas/core/domain/api-key.js';

// Powertools' dev mode writes through the global console, where a spy can read the line; imported after.
vi.stubEnv('POWERTOOLS_DEV', 'true');
const { logger, REDACTED } = await import('../../lambdas/core/observability/logger.js');

/** The line the logger writes for these attributes, caught on its way to the console. */
function line(attributes: Record<string, unknown>): string {
  const written: string[] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((text: unknown) => {
    written.push(String(text));
  });
  // Tests run the logger silent (vitest.config.ts): this line is written at ERROR.
  const level = logger.getLevelName();
  logger.setLogLevel('ERROR');
  try {
    logger.error('redaction test', attributes);
  } finally {
    logger.setLogLevel(level);
    spy.mockRestore();
  }
  const [text] = written;
  if (text === undefined) throw new Error('the logger wrote nothing');
  return text;
}

/** The attributes of a written line, without Powertools' own (level, timestamp, service, …). */
function attributesOf(text: string): Record<string, unknown> {
  const { level: _l, message: _m, timestamp: _t, service: _s, sampling_rate: _r, ...rest } = JSON.parse(text);
  return rest;
}

describe('a structured log line', () => {
  it('never holds an API key: headers that carry one are replaced, keys inside any text redacted', () => {
    const key = generateApiKey();
    const chosen = 'a-hand-chosen-local-key-1234';
    const written = line({
      headers: { 'x-api-key': chosen, 'X-Api-Key': key, authorization: 'Bearer x', host: 'api' },
      apiKey: key,
      note: `tried ${key} twice`,
    });
    expect(written).not.toContain(key);
    expect(written).not.toContain(chosen);
    expect(attributesOf(written)).toEqual({
      headers: { 'x-api-key': REDACTED, 'X-Api-Key': REDACTED, authorization: REDACTED, host: 'api' },
      apiKey: REDACTED,
      note: `tried cmk_${REDACTED} twice`,
    });
  });

  it('masks every address, in plain attributes and inside error messages and stacks', () => {
    const error = new Error('Email address is not verified: ana.garcia@example.com, Ben@Example.COM');
    const written = line({ email: 'dev.patel@example.com', error, nested: { to: ['x+y@sub.example.org'] } });
    for (const address of [
      'ana.garcia@example.com',
      'Ben@Example.COM',
      'dev.patel@example.com',
      'x+y@sub.example.org',
    ]) {
      expect(written).not.toContain(address);
    }
    const parsed = attributesOf(written) as {
      email: string;
      error: { message: string; stack: unknown };
      nested: unknown;
    };
    expect(parsed.email).toBe('d***@example.com');
    expect(parsed.error.message).toBe('Email address is not verified: a***@example.com, B***@Example.COM');
    expect(JSON.stringify(parsed.error.stack)).toContain('a***@example.com');
    expect(parsed.nested).toEqual({ to: ['x***@sub.example.org'] });
  });

  it('leaves text without a key or an address as it is', () => {
    expect(attributesOf(line({ batchId: 'b-1', accepted: 5, rate: 'ok' }))).toEqual({
      batchId: 'b-1',
      accepted: 5,
      rate: 'ok',
    });
  });
});
