import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../lambdas/contract/functions.js';
import { formatKind, parseKind, type SettingKind } from '../../lambdas/contract/setting-kinds.js';
import { environmentOf, resolveSetting } from '../../lambdas/contract/setting-sources.js';
import { type EnvSettingName, SETTINGS, type Setting } from '../../lambdas/contract/settings.js';

const ALL = Object.entries(SETTINGS) as [keyof typeof SETTINGS, Setting][];

/** Whether `inner` accepts nothing `outer` refuses (the stack may hold a setting to a narrower range). */
function isWithin(inner: SettingKind, outer: SettingKind): boolean {
  if (inner.type !== outer.type) return false;
  if (inner.type === 'integer' && outer.type === 'integer')
    return inner.min >= outer.min && inner.max <= outer.max;
  if (inner.type === 'number' && outer.type === 'number')
    return inner.above >= outer.above && inner.max <= outer.max;
  return JSON.stringify(inner) === JSON.stringify(outer);
}

describe('the settings schema', () => {
  it('names every setting somewhere: an environment variable, a context key or both, each used once', () => {
    const envNames = ALL.flatMap(([, s]) => (s.env === undefined ? [] : [s.env]));
    const contextKeys = ALL.flatMap(([, s]) => (s.context === undefined ? [] : [s.context]));
    for (const [name, setting] of ALL) {
      expect([name, setting.env !== undefined || setting.context !== undefined]).toEqual([name, true]);
    }
    expect(new Set(envNames).size).toBe(envNames.length);
    expect(new Set(contextKeys).size).toBe(contextKeys.length);
    for (const env of envNames) expect(env).toMatch(/^[A-Z][A-Z0-9_]*$/);
    for (const key of contextKeys) expect(key).toMatch(/^[a-z][A-Za-z]*$/);
  });

  it('calls a setting by its context key when the stack exposes it', () => {
    for (const [name, setting] of ALL) {
      if (setting.context !== undefined) expect(setting.context).toBe(name);
    }
  });

  it('says which functions read each environment variable, and only of those', () => {
    for (const [name, setting] of ALL) {
      const readBy = setting.readBy ?? [];
      expect([name, readBy.length > 0]).toEqual([name, setting.env !== undefined]);
      for (const id of readBy) expect(Object.keys(FUNCTIONS)).toContain(id);
    }
  });

  it('gives every setting a one-line description and either a default, required, or neither, never both', () => {
    for (const [name, setting] of ALL) {
      expect([name, setting.description]).toEqual([name, expect.stringMatching(/^[^\n]{10,200}$/)]);
      expect([name, setting.required === true && setting.default !== undefined]).toEqual([name, false]);
    }
  });

  it('holds every default within its own range, in the text the parser reads back', () => {
    for (const [name, setting] of ALL) {
      const defaults: [SettingKind, unknown][] = [[setting.kind, setting.default]];
      const differs = setting.contextDiffers;
      if (differs)
        defaults.push([
          differs.kind ?? setting.kind,
          'default' in differs ? differs.default : setting.default,
        ]);
      for (const [kind, value] of defaults) {
        if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
        const text = formatKind(kind, value as never);
        expect([name, parseKind(kind, text)]).toEqual([name, { ok: true, value }]);
      }
    }
  });

  it("holds the stack to a range within the functions' own where it differs, and says why", () => {
    for (const [name, setting] of ALL) {
      const differs = setting.contextDiffers;
      if (!differs) continue;
      expect([name, setting.env !== undefined && setting.context !== undefined]).toEqual([name, true]);
      expect(differs.because.length).toBeGreaterThan(20);
      if (differs.kind) expect([name, isWithin(differs.kind, setting.kind)]).toEqual([name, true]);
    }
  });
});

describe('the parser of each kind', () => {
  const verdicts = (kind: SettingKind, texts: string[]) => texts.map((text) => parseKind(kind, text).ok);

  it('takes integers within the range only', () => {
    const kind = { type: 'integer', min: 2, max: 1000 } as const;
    expect(verdicts(kind, ['1', '2', '1000', '1001', '2.5', 'x', '1e3'])).toEqual([
      false,
      true,
      true,
      false,
      false,
      false,
      true,
    ]);
  });

  it('takes numbers above the lower bound, fractions included, up to the maximum', () => {
    const kind = { type: 'number', above: 0, max: 1_000_000 } as const;
    expect(verdicts(kind, ['0', '0.05', '1000000', '1000001', 'Infinity', 'fast'])).toEqual([
      false,
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('takes true, false, 1 and 0 in any case as booleans', () => {
    const kind = { type: 'boolean' } as const;
    expect(['TRUE', 'false', '1', '0'].map((text) => parseKind(kind, text))).toEqual([
      { ok: true, value: true },
      { ok: true, value: false },
      { ok: true, value: true },
      { ok: true, value: false },
    ]);
    expect(parseKind(kind, 'yes').ok).toBe(false);
  });

  it('takes email addresses, and domains where the kind allows them', () => {
    expect(verdicts({ type: 'email' }, ['a@example.com', 'campaigns', 'a@b', 'a b@example.com'])).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect(verdicts({ type: 'emailOrDomain' }, ['a@example.com', 'example.com', 'example'])).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('takes origins as a comma-separated list or a JSON array, without duplicates, paths or wildcards', () => {
    const kind = { type: 'origins' } as const;
    expect(parseKind(kind, 'https://a.example.com, https://b.example.com,https://a.example.com')).toEqual({
      ok: true,
      value: ['https://a.example.com', 'https://b.example.com'],
    });
    expect(parseKind(kind, '["http://localhost:5173"]')).toEqual({
      ok: true,
      value: ['http://localhost:5173'],
    });
    expect(parseKind(kind, 'https://a.example.com,https://*.example.com')).toMatchObject({
      ok: false,
      offending: 'https://*.example.com',
    });
    expect(parseKind(kind, 'https://a.example.com/path').ok).toBe(false);
    expect(parseKind(kind, '["https://a.example.com"').ok).toBe(false);
    expect(parseKind(kind, '[1]').ok).toBe(false);
  });
});

describe('reading a setting', () => {
  it('gives the same text the same verdict from the environment and from context, naming the source', () => {
    const setting = SETTINGS.maxLargeUploadBytes;
    for (const text of ['1023', '1024', ' 2048 ', String(5 * 1024 ** 3), String(5 * 1024 ** 3 + 1), 'big']) {
      const fromEnv = resolveSetting(setting, 'environment', text);
      const fromContext = resolveSetting(setting, 'context', text);
      expect(fromContext.ok).toBe(fromEnv.ok);
      if (fromEnv.ok && fromContext.ok) expect(fromContext.value).toBe(fromEnv.value);
      if (!fromEnv.ok && !fromContext.ok) {
        expect(fromEnv.message).toMatch(/^environment variable MAX_LARGE_UPLOAD_BYTES must be an integer/);
        expect(fromContext.message.replace('context maxLargeUploadBytes', '')).toBe(
          fromEnv.message.replace('environment variable MAX_LARGE_UPLOAD_BYTES', ''),
        );
      }
    }
  });

  it("takes cdk.json's JSON numbers, booleans and arrays as the text -c would give", () => {
    expect(resolveSetting(SETTINGS.maxSendRate, 'context', 0.5)).toEqual({ ok: true, value: 0.5 });
    expect(resolveSetting(SETTINGS.dryRun, 'context', true)).toEqual({ ok: true, value: true });
    expect(resolveSetting(SETTINGS.corsOrigins, 'context', ['https://a.example.com'])).toEqual({
      ok: true,
      value: ['https://a.example.com'],
    });
    expect(resolveSetting(SETTINGS.senderMaxConcurrency, 'context', 1.5)).toEqual({
      ok: false,
      message: 'context senderMaxConcurrency must be an integer from 2 to 1000, got "1.5"',
    });
    expect(resolveSetting(SETTINGS.dryRun, 'context', { on: true })).toEqual({
      ok: false,
      message: 'context dryRun must be true or false, got {"on":true}',
    });
    expect(resolveSetting(SETTINGS.replyToAddress, 'context', ['help@example.com'])).toEqual({
      ok: false,
      message: 'context replyToAddress must be text, got ["help@example.com"]',
    });
  });

  it('falls back to the default when unset, empty or null, and names a required setting that is missing', () => {
    for (const raw of [undefined, null, '', '   ']) {
      expect(resolveSetting(SETTINGS.apiThrottleRate, 'context', raw)).toEqual({ ok: true, value: 50 });
      expect(resolveSetting(SETTINGS.maxSendRate, 'environment', raw)).toEqual({
        ok: true,
        value: undefined,
      });
      expect(resolveSetting(SETTINGS.tableName, 'environment', raw)).toEqual({
        ok: false,
        message: 'environment variable TABLE_NAME is required but not set',
      });
    }
  });

  it("uses the stack's own default and range where the schema declares them", () => {
    expect(resolveSetting(SETTINGS.graphqlIntrospection, 'environment', undefined)).toEqual({
      ok: true,
      value: true,
    });
    expect(resolveSetting(SETTINGS.graphqlIntrospection, 'context', undefined)).toEqual({
      ok: true,
      value: false,
    });
    expect(resolveSetting(SETTINGS.senderMaxConcurrency, 'environment', '1')).toEqual({ ok: true, value: 1 });
    expect(resolveSetting(SETTINGS.senderMaxConcurrency, 'context', '1').ok).toBe(false);
  });

  it("takes a runner's own default, but still in the schema's range", () => {
    expect(resolveSetting(SETTINGS.sendLeaseSeconds, 'environment', undefined, { default: 10 })).toEqual({
      ok: true,
      value: 10,
    });
    expect(resolveSetting(SETTINGS.sendLeaseSeconds, 'environment', '901', { default: 10 }).ok).toBe(false);
  });

  it('never repeats a secret in its error', () => {
    const refused = resolveSetting(SETTINGS.cursorSecret, 'environment', 'hunter2');
    expect(refused).toEqual({
      ok: false,
      message: 'environment variable CURSOR_SECRET must be at least 16 characters long',
    });
  });
});

describe('environmentOf', () => {
  it('writes each value under its variable in the text the function reads back as the same value', () => {
    const values = {
      maxSendRate: 0.5,
      senderMaxConcurrency: 7,
      dryRun: true,
      graphqlIntrospection: false,
      senderEmail: 'campaigns@example.com',
      maxLargeUploadBytes: 5 * 1024 ** 3,
    } as const;
    const environment = environmentOf(values);
    expect(environment).toEqual({
      MAX_SEND_RATE: '0.5',
      SENDER_MAX_CONCURRENCY: '7',
      DRY_RUN: 'true',
      GRAPHQL_INTROSPECTION: 'false',
      SENDER_EMAIL: 'campaigns@example.com',
      MAX_LARGE_UPLOAD_BYTES: '5368709120',
    });
    for (const [name, value] of Object.entries(values) as [EnvSettingName, unknown][]) {
      const setting: Setting = SETTINGS[name];
      expect(resolveSetting(setting, 'environment', environment[setting.env ?? ''])).toEqual({
        ok: true,
        value,
      });
    }
  });

  it('leaves out an undefined value, so that the function falls back to its default', () => {
    expect(environmentOf({ maxSendRate: undefined, replyToAddress: undefined })).toEqual({});
  });
});
