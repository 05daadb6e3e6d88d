import { describe, expect, it } from 'vitest';
import { formatKind, parseKind } from '../../lambdas/contract/setting-kinds.js';
import { SETTINGS, type Setting } from '../../lambdas/contract/settings.js';
import { senderConfig } from '../../lambdas/core/config/function-config.js';
import { LOCAL_DEFAULTS, localConfig } from '../../local/local-config.js';

describe('localConfig', () => {
  it('works out of the box, with the local defaults', () => {
    expect(localConfig({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      dataDir: '.local',
      sesPort: 8005,
      external: {},
      senderEmail: 'campaigns@example.com',
      tableName: 'EmailSendsV2',
      senderConcurrency: 4,
      writerConcurrency: 2,
      defaultSendRate: 1000,
      visibilityTimeoutSeconds: 30,
      leaseSeconds: 10,
      sweepIntervalSeconds: 5,
      sweepStalledAfterSeconds: 15,
      apiKeyCacheSeconds: 0,
      corsOrigins: [],
    });
  });

  it('reads the CORS origins of the local API as the stack reads corsOrigins', () => {
    expect(
      localConfig({ LOCAL_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }),
    ).toMatchObject({
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
    });
    expect(() => localConfig({ LOCAL_CORS_ORIGINS: 'https://*.example.com' })).toThrow(/LOCAL_CORS_ORIGINS/);
  });

  it('reads its own settings with the shared parsers, naming the variable', () => {
    expect(localConfig({ PORT: '0', AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:9324' })).toMatchObject({
      port: 0,
      external: { sqs: 'http://127.0.0.1:9324' },
    });
    expect(() => localConfig({ PORT: '65536' })).toThrow(
      'environment variable PORT must be an integer from 0 to 65535, got "65536"',
    );
  });

  it("refuses a value of the functions' settings exactly as the function would", () => {
    const messageOf = (read: () => unknown): string | undefined => {
      try {
        read();
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
      return undefined;
    };
    const sender = { TABLE_NAME: 't', SENDER_EMAIL: 'a@example.com', QUEUE_URL: 'q' };
    for (const [variable, text] of [
      ['SEND_LEASE_SECONDS', '901'],
      ['SENDER_EMAIL', 'campaigns'],
      ['DEFAULT_SEND_RATE', '0'],
    ] as const) {
      const local = messageOf(() => localConfig({ [variable]: text }));
      expect(local).toMatch(new RegExp(`^environment variable ${variable} must be .*, got "${text}"$`));
      expect(local).toBe(messageOf(() => senderConfig({ ...sender, [variable]: text })));
    }
  });

  it('takes a fractional DEFAULT_SEND_RATE, as the sender does', () => {
    expect(localConfig({ DEFAULT_SEND_RATE: '0.5' }).defaultSendRate).toBe(0.5);
  });

  it("keeps its own defaults within the schema's ranges", () => {
    for (const [name, value] of Object.entries(LOCAL_DEFAULTS) as [
      keyof typeof LOCAL_DEFAULTS,
      string | number,
    ][]) {
      const setting: Setting = SETTINGS[name];
      expect([name, parseKind(setting.kind, formatKind(setting.kind, value as never))]).toEqual([
        name,
        { ok: true, value },
      ]);
    }
  });
});
