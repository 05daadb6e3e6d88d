import { describe, expect, it } from 'vitest';
import {
  docsConfig,
  ingestConfig,
  queryConfig,
  senderConfig,
  sweeperConfig,
  unsubscribeConfig,
  uploadUrlConfig,
  writerConfig,
} from '../../lambdas/core/config/function-config.js';

describe('queryConfig', () => {
  const base = { TABLE_NAME: 'EmailSends', UPLOAD_BUCKET: 'b' };

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

  it("takes GRAPHIQL_API_KEY locally and refuses it on Lambda, where GraphiQL's page would hand it out", () => {
    const key = 'cmk_development-key-of-this-run';
    expect(queryConfig({ ...base, GRAPHIQL_API_KEY: key }).graphiqlApiKey).toBe(key);
    expect(queryConfig(base).graphiqlApiKey).toBeUndefined();
    const lambda = {
      ...base,
      AWS_LAMBDA_FUNCTION_NAME: 'CampaignMailer-prod-Graphql',
      CURSOR_SECRET: 'a'.repeat(64),
    };
    expect(() => queryConfig({ ...lambda, GRAPHIQL_API_KEY: key })).toThrow(
      /^environment variable GRAPHIQL_API_KEY is for local mode only/,
    );
    expect(() => queryConfig({ ...lambda, GRAPHIQL_API_KEY: key })).not.toThrow(new RegExp(key));
  });

  it('refuses a short CURSOR_SECRET without repeating it', () => {
    expect(() => queryConfig({ ...base, CURSOR_SECRET: 'short' })).toThrow(
      /^environment variable CURSOR_SECRET must be at least 16 characters long$/,
    );
  });
});

describe('senderConfig', () => {
  const base = {
    TABLE_NAME: 'EmailSends',
    SENDER_EMAIL: 'campaigns@example.com',
    QUEUE_URL: 'http://queue',
    UPLOAD_BUCKET: 'b',
    UNSUBSCRIBE_BASE_URL: 'https://mail.example.com',
    UNSUBSCRIBE_SECRET: 'a-key-of-at-least-thirty-two-characters',
  };

  it('requires QUEUE_URL while the retry back-off is on, and not once it is off', () => {
    const { QUEUE_URL: _, ...withoutQueue } = base;
    expect(() => senderConfig(withoutQueue)).toThrow(
      'environment variable QUEUE_URL is required when RETRY_BACKOFF_SECONDS is above 0 (the back-off changes message visibility)',
    );
    const off = senderConfig({ ...withoutQueue, RETRY_BACKOFF_SECONDS: '0' });
    expect(off.retryBackoff.baseSeconds).toBe(0);
    expect(off.queueUrl).toBeUndefined();
  });

  it('reads MAX_SEND_RATE as a fraction, leaves it unset when empty, and refuses 0 naming the range', () => {
    expect(senderConfig({ ...base, MAX_SEND_RATE: '0.5' }).maxSendRate).toBe(0.5);
    expect(senderConfig({ ...base, MAX_SEND_RATE: ' ' })).not.toHaveProperty('maxSendRate');
    expect(() => senderConfig({ ...base, MAX_SEND_RATE: '0' })).toThrow(
      'environment variable MAX_SEND_RATE must be a number above 0 and at most 1000000, got "0"',
    );
  });

  it('refuses a From address that is not an address, as the stack does', () => {
    expect(() => senderConfig({ ...base, SENDER_EMAIL: 'campaigns' })).toThrow(
      'environment variable SENDER_EMAIL must be an email address, got "campaigns"',
    );
  });

  it('names a missing variable', () => {
    const { TABLE_NAME: _, ...withoutTable } = base;
    expect(() => senderConfig(withoutTable)).toThrow(
      'environment variable TABLE_NAME is required but not set',
    );
  });

  it('takes DRY_RUN as true, false, 1 or 0 in any case', () => {
    expect(senderConfig({ ...base, DRY_RUN: 'TRUE' }).dryRun).toBe(true);
    expect(senderConfig({ ...base, DRY_RUN: '1' }).dryRun).toBe(true);
    expect(senderConfig({ ...base, DRY_RUN: '0' }).dryRun).toBe(false);
    expect(() => senderConfig({ ...base, DRY_RUN: 'yes' })).toThrow(
      'environment variable DRY_RUN must be true or false, got "yes"',
    );
  });
});

describe('the key and link of one-click unsubscribe', () => {
  const sender = {
    TABLE_NAME: 'EmailSends',
    SENDER_EMAIL: 'campaigns@example.com',
    QUEUE_URL: 'http://queue',
    UPLOAD_BUCKET: 'b',
    UNSUBSCRIBE_BASE_URL: 'https://mail.example.com',
  };
  const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:UnsubscribeSecret-AbCdEf';
  const KEY = 'a-key-of-at-least-thirty-two-characters';

  it('are required of the sender: the base URL of its links, and the secret or its ARN', () => {
    const { UNSUBSCRIBE_BASE_URL: _, ...withoutUrl } = sender;
    expect(() => senderConfig({ ...withoutUrl, UNSUBSCRIBE_SECRET: KEY })).toThrow(
      'environment variable UNSUBSCRIBE_BASE_URL is required but not set',
    );
    expect(() => senderConfig(sender)).toThrow(
      'environment variable UNSUBSCRIBE_SECRET_ARN or UNSUBSCRIBE_SECRET is required (the key that signs unsubscribe links)',
    );
    expect(() => unsubscribeConfig({ TABLE_NAME: 't' })).toThrow(
      /UNSUBSCRIBE_SECRET_ARN or UNSUBSCRIBE_SECRET/,
    );
  });

  it('take the Secrets Manager ARN over a value, and the mailbox when set', () => {
    expect(
      senderConfig({ ...sender, UNSUBSCRIBE_SECRET_ARN: ARN, UNSUBSCRIBE_SECRET: KEY }).unsubscribe,
    ).toEqual({
      baseUrl: 'https://mail.example.com',
      key: { secretArn: ARN },
    });
    expect(
      senderConfig({ ...sender, UNSUBSCRIBE_SECRET: KEY, UNSUBSCRIBE_MAILBOX: 'leave@example.com' })
        .unsubscribe,
    ).toEqual({ baseUrl: 'https://mail.example.com', mailbox: 'leave@example.com', key: { secret: KEY } });
    expect(unsubscribeConfig({ TABLE_NAME: 't', UNSUBSCRIBE_SECRET_ARN: ARN }).key).toEqual({
      secretArn: ARN,
    });
  });

  it('refuse a base URL that is no http(s) URL, and a short key without repeating it', () => {
    for (const bad of ['mail.example.com', 'ftp://mail.example.com', 'https://mail.example.com/?a=1']) {
      expect(() => senderConfig({ ...sender, UNSUBSCRIBE_SECRET: KEY, UNSUBSCRIBE_BASE_URL: bad })).toThrow(
        /^environment variable UNSUBSCRIBE_BASE_URL must be an absolute http or https URL/,
      );
    }
    expect(() => unsubscribeConfig({ TABLE_NAME: 't', UNSUBSCRIBE_SECRET: 'short-key' })).toThrow(
      /^environment variable UNSUBSCRIBE_SECRET must be at least 32 characters long$/,
    );
  });
});

describe('the functions that need the queue', () => {
  it('refuse to start without QUEUE_URL, naming it', () => {
    const env = { TABLE_NAME: 't' };
    for (const read of [sweeperConfig, writerConfig]) {
      expect(() => read(env)).toThrow('environment variable QUEUE_URL is required but not set');
    }
  });
});

describe('ingestConfig', () => {
  it('keeps an Idempotency-Key IDEMPOTENCY_TTL_HOURS hours, 24 unless set', () => {
    const env = {
      TABLE_NAME: 't',
      UPLOAD_BUCKET: 'b',
      SCHEDULE_GROUP: 'g',
      SCHEDULE_QUEUE_ARN: 'arn:aws:sqs:us-east-1:1:q',
      SCHEDULE_ROLE_ARN: 'arn:aws:iam::1:role/r',
    };
    expect(ingestConfig(env).idempotency.ttlSeconds).toBe(24 * 3600);
    expect(ingestConfig({ ...env, IDEMPOTENCY_TTL_HOURS: '2' }).idempotency.ttlSeconds).toBe(7200);
  });
});

describe('uploadUrlConfig', () => {
  it('refuses an upload URL lifetime outside 60 to 3600 seconds', () => {
    const env = { TABLE_NAME: 't', UPLOAD_BUCKET: 'b' };
    expect(uploadUrlConfig(env).urlSeconds).toBe(900);
    expect(() => uploadUrlConfig({ ...env, UPLOAD_URL_SECONDS: '59' })).toThrow(
      'environment variable UPLOAD_URL_SECONDS must be an integer from 60 to 3600, got "59"',
    );
  });
});

describe('docsConfig', () => {
  it('prefers DOCS_NODE_MODULES_DIR and otherwise requires DOCS_ASSETS_DIR', () => {
    expect(docsConfig({ DOCS_NODE_MODULES_DIR: '/n', DOCS_ASSETS_DIR: '/a' })).toEqual({
      nodeModulesDir: '/n',
    });
    expect(docsConfig({ DOCS_ASSETS_DIR: '/a' })).toEqual({ assetsDir: '/a' });
    expect(() => docsConfig({})).toThrow('environment variable DOCS_ASSETS_DIR is required but not set');
  });
});
