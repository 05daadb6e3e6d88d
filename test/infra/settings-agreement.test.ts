import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import type { FunctionId } from '../../lambdas/contract/functions.js';
import { formatKind, parseKind, type SettingKind } from '../../lambdas/contract/setting-kinds.js';
import { defaultIn, environmentOf, kindIn } from '../../lambdas/contract/setting-sources.js';
import { type EnvSettingName, SETTINGS, type Setting } from '../../lambdas/contract/settings.js';
import { ConfigError, type Env } from '../../lambdas/core/config/env.js';
import {
  campaignsConfig,
  docsConfig,
  eventsConfig,
  ingestConfig,
  queryConfig,
  senderConfig,
  suppressionsConfig,
  sweeperConfig,
  unsubscribeConfig,
  uploadUrlConfig,
  writerConfig,
} from '../../lambdas/core/config/function-config.js';
import { MailerConfigError, type MailerSettings, readMailerConfig } from '../../lib/mailer-config.js';

/**
 * The stack reads its context and the functions their environment, each through the schema
 * (lambdas/contract/settings.ts). These tests hold the real readers to it: what each function reads,
 * and, for every setting both read, that they take the same values and fall back to the same default,
 * except where the schema declares a difference.
 */

/** The config reader in each function's entry (health reads nothing). */
const READERS: Record<Exclude<FunctionId, 'health'>, (env: Env) => unknown> = {
  uploadApi: ingestConfig,
  uploadUrl: uploadUrlConfig,
  writer: writerConfig,
  campaigns: campaignsConfig,
  docs: docsConfig,
  graphql: queryConfig,
  sender: senderConfig,
  sweeper: sweeperConfig,
  suppressions: suppressionsConfig,
  unsubscribe: unsubscribeConfig,
  events: eventsConfig,
};
const readerOf = (id: FunctionId) => {
  if (id === 'health') throw new Error('the health function reads no configuration');
  return READERS[id];
};

const ALL = Object.entries(SETTINGS) as [keyof typeof SETTINGS, Setting][];
const envName = (setting: Setting): string => setting.env ?? '';

/** A value of the kind that its parser takes, as text. */
function sampleOf(setting: Setting): string {
  if (setting.default !== undefined && !Array.isArray(setting.default)) {
    return formatKind(setting.kind, setting.default as never);
  }
  const kind = setting.kind;
  switch (kind.type) {
    case 'string':
      return 'x'.repeat(Math.max(kind.minLength ?? 0, 1));
    case 'integer':
      return String(kind.min);
    case 'number':
      return String(Math.min(kind.max, kind.above + 1));
    case 'boolean':
      return 'true';
    case 'email':
      return 'campaigns@example.com';
    case 'emailOrDomain':
      return 'example.com';
    case 'origins':
      return 'https://app.example.com';
    case 'url':
      return 'https://mail.example.com';
  }
}

/** What the functions cannot start without, whatever else is set. */
const MINIMAL_ENV: Env = Object.fromEntries(
  [
    SETTINGS.tableName,
    SETTINGS.queueUrl,
    SETTINGS.priorityQueueUrl,
    SETTINGS.writeQueueUrl,
    SETTINGS.senderEmail,
    SETTINGS.uploadBucket,
    SETTINGS.docsAssetsDir,
    SETTINGS.unsubscribeBaseUrl,
    SETTINGS.unsubscribeSecret,
    SETTINGS.scheduleGroup,
    SETTINGS.scheduleQueueArn,
    SETTINGS.scheduleRoleArn,
  ].map((setting) => [setting.env, sampleOf(setting)]),
);
/** Refused on Lambda, which FULL_ENV is (it sets AWS_LAMBDA_FUNCTION_NAME): read, but never set there. */
const LOCAL_ONLY: ReadonlySet<string | undefined> = new Set([SETTINGS.graphiqlApiKey.env]);
const FULL_ENV: Env = Object.fromEntries(
  ALL.flatMap(([, setting]) =>
    setting.env === undefined || LOCAL_ONLY.has(setting.env) ? [] : [[setting.env, sampleOf(setting)]],
  ),
);

/** The variables a reader looks at, with everything set and with only what it needs. */
function variablesReadBy(read: (env: Env) => unknown): Set<string> {
  const names = new Set<string>();
  for (const env of [FULL_ENV, MINIMAL_ENV]) {
    read(
      new Proxy(env, {
        get(target, name) {
          if (typeof name === 'string') names.add(name);
          return Reflect.get(target, name);
        },
      }),
    );
  }
  return names;
}

describe("the functions' config readers", () => {
  it('read exactly the variables the schema says each function reads', () => {
    for (const [id, read] of Object.entries(READERS) as [FunctionId, (env: Env) => unknown][]) {
      const declared = ALL.filter(([, s]) => s.readBy?.includes(id)).map(([, s]) => envName(s));
      expect([id, [...variablesReadBy(read)].sort()]).toEqual([id, declared.sort()]);
    }
  });
});

type Verdict = { ok: true; value: unknown } | { ok: false; message: string };

const BASE_CONTEXT = { senderEmail: 'campaigns@example.com' };

/** The stack's reading of one context value (undefined: not set), as `cdk synth` would read it. */
function stackReading(name: keyof MailerSettings, key: string, raw: unknown): Verdict {
  const context: Record<string, unknown> = { ...BASE_CONTEXT, [key]: raw };
  if (raw === undefined) delete context[key];
  try {
    return { ok: true, value: readMailerConfig(new App({ context }).node).settings[name] };
  } catch (error) {
    if (error instanceof MailerConfigError) return { ok: false, message: error.message };
    throw error;
  }
}

/** A function's reading of one variable (undefined: not set): its whole config. */
function functionReading(id: FunctionId, variable: string, raw: string | undefined): Verdict {
  const env: Env = { ...MINIMAL_ENV, [variable]: raw };
  if (raw === undefined) delete env[variable];
  try {
    return { ok: true, value: readerOf(id)(env) };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, message: error.message };
    throw error;
  }
}

/** Texts on and around the edges of a kind's range, and a few that are no value of it. */
function edgesOf(kind: SettingKind): string[] {
  switch (kind.type) {
    case 'integer':
      return [kind.min - 1, kind.min, kind.min + 0.5, kind.max, kind.max + 1].map(String).concat('x');
    case 'number':
      return [kind.above, kind.above + 1, kind.max, kind.max + 1].map(String).concat('fast', 'Infinity');
    case 'boolean':
      return ['true', 'false', 'TRUE', '1', '0', 'yes'];
    case 'email':
      return ['campaigns@example.com', 'campaigns', 'a@b', 'a b@example.com'];
    case 'emailOrDomain':
      return ['campaigns@example.com', 'example.com', 'example'];
    case 'string':
      return kind.minLength === undefined
        ? ['x', 'any text at all']
        : ['x'.repeat(kind.minLength - 1), 'x'.repeat(kind.minLength)];
    case 'origins':
      return ['https://app.example.com', 'https://*.example.com'];
    case 'url':
      return [
        'https://mail.example.com',
        'https://mail.example.com/prefix/',
        'mail.example.com',
        'https://a@b.example.com',
        'https://mail.example.com/?q=1',
      ];
  }
}

const SHARED = ALL.filter(([, s]) => s.env !== undefined && s.context !== undefined) as [
  EnvSettingName & keyof MailerSettings,
  Setting,
][];

describe('a setting read by both the stack and the functions', () => {
  it('exists: the stack passes some settings down', () => {
    expect(SHARED.map(([name]) => name)).toEqual(
      expect.arrayContaining(['maxSendRate', 'maxLargeUploadBytes', 'dryRun', 'senderMaxConcurrency']),
    );
  });

  it.each(SHARED)(
    '%s: accepts and refuses the same edge values in both, but where the schema says',
    (name, setting) => {
      const variable = envName(setting);
      const key = setting.context ?? '';
      const texts = [...new Set([...edgesOf(setting.kind), ...edgesOf(kindIn(setting, 'context'))])];
      for (const text of texts) {
        const stack = stackReading(name, key, text);
        // Each reader follows the schema's range for its side…
        expect([text, stack.ok]).toEqual([text, parseKind(kindIn(setting, 'context'), text).ok]);
        for (const id of setting.readBy ?? []) {
          const fn = functionReading(id, variable, text);
          expect([id, text, fn.ok]).toEqual([id, text, parseKind(setting.kind, text).ok]);
          // …which is the same range unless the schema declares the stack's narrower…
          if (setting.contextDiffers?.kind === undefined)
            expect([id, text, stack.ok]).toEqual([id, text, fn.ok]);
          // …and a value the stack accepts is always one the function starts with, and reads back the same.
          if (stack.ok) {
            expect([id, text, fn.ok]).toEqual([id, text, true]);
            const passedDown = environmentOf({ [name]: stack.value })[variable];
            expect(functionReading(id, variable, passedDown)).toEqual(fn);
          }
          // Refused alike, they say so alike, the source and name aside.
          if (!stack.ok && !fn.ok && setting.contextDiffers?.kind === undefined) {
            expect(stack.message.replace(`context ${key}`, '…')).toBe(
              fn.message.replace(`environment variable ${variable}`, '…'),
            );
          }
        }
      }
    },
  );

  it.each(SHARED)(
    '%s: falls back to the same default in both, but where the schema says',
    (name, setting) => {
      const variable = envName(setting);
      const key = setting.context ?? '';
      const stack = stackReading(name, key, undefined);
      for (const id of setting.readBy ?? []) {
        const fn = functionReading(id, variable, undefined);
        if (setting.required) {
          expect(stack).toEqual({ ok: false, message: `context ${key} is required but not set` });
          expect(fn).toEqual({
            ok: false,
            message: `environment variable ${variable} is required but not set`,
          });
          continue;
        }
        expect(stack).toEqual({ ok: true, value: defaultIn(setting, 'context') });
        expect(fn.ok).toBe(true);
        const functionDefault = defaultIn(setting, 'environment');
        if (functionDefault !== undefined) {
          // Unset and set to the schema's default are the same config.
          expect(functionReading(id, variable, formatKind(setting.kind, functionDefault as never))).toEqual(
            fn,
          );
        }
        if (setting.contextDiffers === undefined || !('default' in setting.contextDiffers)) {
          // Without the variable the function falls back to exactly what the stack would have passed down.
          const passedDown = environmentOf({ [name]: stack.ok ? stack.value : undefined })[variable];
          expect(functionReading(id, variable, passedDown)).toEqual(fn);
        }
      }
    },
  );

  it('takes values from cdk.json as JSON just as it takes their text from -c', () => {
    for (const [name, setting] of SHARED) {
      const key = setting.context ?? '';
      for (const text of edgesOf(kindIn(setting, 'context'))) {
        const json: unknown =
          text === 'true'
            ? true
            : text === 'false'
              ? false
              : Number.isFinite(Number(text))
                ? Number(text)
                : text;
        expect([key, text, stackReading(name, key, json)]).toEqual([
          key,
          text,
          stackReading(name, key, text),
        ]);
      }
    }
  });
});
