import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { FUNCTIONS, type FunctionId } from '../../lambdas/contract/functions.js';
import { type EnvironmentValues, environmentOf } from '../../lambdas/contract/setting-sources.js';
import { type EnvSettingName, SETTINGS, type Setting } from '../../lambdas/contract/settings.js';
import { resourceNamed, synthStack } from '../helpers/synth-stack.js';

/** Set on every function by ProjectFunction for the runtime and Powertools, not settings of ours. */
const RUNTIME_VARIABLES = ['NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE'];

const ALL = Object.entries(SETTINGS) as [keyof typeof SETTINGS, Setting][];

/** A function's logical id part is its id with a capital: uploadApi → UploadApiFunction. */
const variablesOf = (template: Template, id: FunctionId): Record<string, unknown> => {
  const name = `${id.charAt(0).toUpperCase()}${id.slice(1)}Function`;
  const { properties } = resourceNamed(template, 'AWS::Lambda::Function', name);
  return (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
};

/** A value other than the default for every setting the stack passes down, as context text. */
const CONFIGURED = {
  senderEmail: 'news@example.org',
  replyToAddress: 'help@example.org',
  sesConfigurationSet: 'tracking',
  senderMaxConcurrency: 5,
  maxSendRate: 14,
  dryRun: true,
  graphqlIntrospection: true,
  maxLargeUploadBytes: 2048,
  retentionDays: 30,
  unsubscribeMailbox: 'leave@example.org',
  maxBounceRatePercent: 3,
  maxComplaintRatePercent: 0.05,
} as const satisfies EnvironmentValues;

let defaults: Template;
let configured: Template;
beforeAll(() => {
  defaults = synthStack().template;
  configured = synthStack(
    Object.fromEntries(Object.entries(CONFIGURED).map(([key, value]) => [key, String(value)])),
  ).template;
});

describe("each function's environment in the template", () => {
  it('holds only settings of the schema that the function reads, under their schema names', () => {
    for (const template of [defaults, configured]) {
      for (const id of Object.keys(FUNCTIONS) as FunctionId[]) {
        const readable = ALL.filter(([, s]) => s.readBy?.includes(id)).map(([, s]) => s.env);
        const unknown = Object.keys(variablesOf(template, id)).filter(
          (name) => !RUNTIME_VARIABLES.includes(name) && !readable.includes(name),
        );
        expect([id, unknown]).toEqual([id, []]);
      }
    }
  });

  it('carries every setting of the context that a function reads to each function that reads it', () => {
    const passedDown = ALL.filter(([, s]) => s.env !== undefined && s.context !== undefined);
    expect(Object.keys(CONFIGURED).sort()).toEqual(passedDown.map(([name]) => name).sort());
    for (const [name, setting] of passedDown) {
      const expected = environmentOf({
        [name as EnvSettingName]: CONFIGURED[name as keyof typeof CONFIGURED],
      });
      for (const id of setting.readBy ?? []) {
        expect([id, variablesOf(configured, id)]).toEqual([id, expect.objectContaining(expected)]);
      }
    }
  });
});
