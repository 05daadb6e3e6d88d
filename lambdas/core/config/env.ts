import type { KindValue } from '../../contract/setting-kinds.js';
import { resolveSetting } from '../../contract/setting-sources.js';
import type { Setting, SettingValue } from '../../contract/settings.js';

/**
 * Configuration comes from environment variables, read once when a function starts and checked
 * against the schema (lambdas/contract/settings.ts), so that a missing or malformed variable stops the
 * function at once with its name.
 */

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A setting's value from the environment, by the schema's name, range and default. */
export function readEnv<S extends Setting>(env: Env, setting: S): SettingValue<S>;
/** The same with a default of the caller's own (the local runner's), in the schema's range. */
export function readEnv<S extends Setting>(
  env: Env,
  setting: S,
  fallback: { readonly default: KindValue<S['kind']> },
): KindValue<S['kind']>;
export function readEnv(env: Env, setting: Setting, fallback?: { readonly default: unknown }): unknown {
  const raw = setting.env === undefined ? undefined : env[setting.env];
  const resolved = fallback
    ? resolveSetting(setting, 'environment', raw, fallback as { default: KindValue<Setting['kind']> })
    : resolveSetting(setting, 'environment', raw);
  if (!resolved.ok) throw new ConfigError(resolved.message);
  return resolved.value;
}

/** A setting this function cannot do without, though the schema lets others leave it unset. */
export function requireEnv<S extends Setting>(env: Env, setting: S): KindValue<S['kind']> {
  const value = readEnv(env, setting);
  if (value === undefined) {
    throw new ConfigError(`environment variable ${setting.env} is required but not set`);
  }
  return value as KindValue<S['kind']>;
}
