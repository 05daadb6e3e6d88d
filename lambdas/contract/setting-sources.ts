import { expectationOf, formatKind, type KindValue, parseKind, type SettingKind } from './setting-kinds.js';
import { type EnvSettingName, SETTINGS, type Setting, type SettingValue } from './settings.js';

/**
 * Where a setting is read from: a function's environment (always text) or the stack's context, where
 * values from `cdk.json` arrive as JSON (numbers, booleans, arrays) and values from `-c key=value` as
 * text. Both go through the same parsers, so the same text gets the same verdict from either.
 */
export type SettingSource = 'environment' | 'context';

export type Resolved<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly message: string };

/** The name a source knows the setting by. */
export function nameIn(setting: Setting, source: SettingSource): string {
  const name = source === 'environment' ? setting.env : setting.context;
  if (name === undefined) throw new Error(`setting "${setting.description}" is not read from the ${source}`);
  return name;
}

/** The range the source holds the setting to: the stack's may be narrower (`contextDiffers`). */
export function kindIn(setting: Setting, source: SettingSource): SettingKind {
  return (source === 'context' ? setting.contextDiffers?.kind : undefined) ?? setting.kind;
}

/** The value the source falls back to when the setting is not set (undefined: none). */
export function defaultIn<S extends Setting>(
  setting: S,
  source: SettingSource,
): KindValue<S['kind']> | undefined {
  const differs = source === 'context' ? setting.contextDiffers : undefined;
  return (differs && 'default' in differs ? differs.default : setting.default) as
    | KindValue<S['kind']>
    | undefined;
}

/**
 * Reads one setting from the raw value its source holds. `fallback` replaces the schema's default, for
 * a runner with defaults of its own (the local runner's shorter lease, for one); range and parser stay
 * the schema's.
 */
export function resolveSetting<S extends Setting>(
  setting: S,
  source: SettingSource,
  raw: unknown,
): Resolved<SettingValue<S>>;
export function resolveSetting<S extends Setting>(
  setting: S,
  source: SettingSource,
  raw: unknown,
  fallback: { readonly default: KindValue<S['kind']> },
): Resolved<KindValue<S['kind']>>;
export function resolveSetting(
  setting: Setting,
  source: SettingSource,
  raw: unknown,
  fallback?: { readonly default: unknown },
): Resolved<unknown> {
  const subject = `${source === 'environment' ? 'environment variable' : 'context'} ${nameIn(setting, source)}`;
  const kind = kindIn(setting, source);
  const text = textOf(raw, kind);
  if (text === undefined) {
    const value = fallback ? fallback.default : defaultIn(setting, source);
    if (value === undefined && setting.required) {
      return { ok: false, message: `${subject} is required but not set` };
    }
    return { ok: true, value };
  }
  if (typeof text !== 'string') {
    return { ok: false, message: `${subject} must be ${expectationOf(kind)}, got ${text.json}` };
  }
  const parsed = parseKind(kind, text);
  if (parsed.ok) return parsed;
  const got = setting.secret ? '' : `, got "${parsed.offending ?? text}"`;
  return { ok: false, message: `${subject} must be ${parsed.expected}${got}` };
}

/**
 * The text of a raw value, undefined when it is not set. A JSON value from `cdk.json` becomes the text
 * `-c` would have given: a number or boolean its own text, a list its JSON text for a list setting
 * (the list parser reads JSON arrays); any other list or object is no value of the kind at all.
 */
function textOf(raw: unknown, kind: SettingKind): string | undefined | { readonly json: string } {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'object') {
    const json = JSON.stringify(raw);
    if (!(Array.isArray(raw) && kind.type === 'origins')) return { json };
    return json;
  }
  const trimmed = String(raw).trim();
  return trimmed === '' ? undefined : trimmed;
}

export type EnvironmentValues = {
  readonly [N in EnvSettingName]?: KindValue<(typeof SETTINGS)[N]['kind']> | undefined;
};

/**
 * The environment variables that pass settings down to a function: each under the schema's name and in
 * the text its parser reads back as the same value. An undefined value is left out (the function's
 * default applies).
 */
export function environmentOf(values: EnvironmentValues): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(values) as [EnvSettingName, unknown][]) {
    if (value === undefined) continue;
    const setting: Setting = SETTINGS[name];
    environment[nameIn(setting, 'environment')] = formatKind(
      setting.kind,
      value as KindValue<typeof setting.kind>,
    );
  }
  return environment;
}
