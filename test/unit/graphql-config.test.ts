import { describe, expect, it } from 'vitest';
import { queryConfig } from '../../lambdas/core/config/function-config.js';

describe('queryConfig', () => {
  const base = { TABLE_NAME: 'EmailSends' };

  it('turns introspection on by default and off with GRAPHQL_INTROSPECTION=false', () => {
    expect(queryConfig(base).introspection).toBe(true);
    expect(queryConfig({ ...base, GRAPHQL_INTROSPECTION: 'false' }).introspection).toBe(false);
    expect(() => queryConfig({ ...base, GRAPHQL_INTROSPECTION: 'maybe' })).toThrow(/GRAPHQL_INTROSPECTION/);
  });

  it('requires CURSOR_SECRET on Lambda, where a derived key would be forgeable', () => {
    const lambda = { ...base, AWS_LAMBDA_FUNCTION_NAME: 'CampaignMailer-prod-Graphql' };
    expect(() => queryConfig(lambda)).toThrow(/CURSOR_SECRET is required on AWS Lambda/);
    expect(queryConfig({ ...lambda, CURSOR_SECRET: 'a'.repeat(64) }).cursorSecret).toBe('a'.repeat(64));
    expect(queryConfig(base).cursorSecret).toBeUndefined();
  });

  it('refuses a short CURSOR_SECRET', () => {
    expect(() => queryConfig({ ...base, CURSOR_SECRET: 'short' })).toThrow(/at least 16/);
  });
});
