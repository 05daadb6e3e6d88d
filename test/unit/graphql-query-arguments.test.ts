import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { filterScope } from '../../lambdas/core/store/send-filter.js';
import {
  batchIdArgument,
  pageSizeArgument,
  sendFilterArguments,
  statusArgument,
} from '../../lambdas/graphql/query-arguments.js';

function errorOf(action: () => unknown): GraphQLError {
  try {
    action();
  } catch (error) {
    if (error instanceof GraphQLError) return error;
    throw error;
  }
  throw new Error('expected a GraphQLError, but nothing was thrown');
}

describe('query arguments', () => {
  it('accepts a status in any case', () => {
    expect(statusArgument('sent')).toBe('SENT');
    expect(statusArgument(' Error ')).toBe('ERROR');
  });

  it('refuses an unknown status, naming the argument and the allowed values', () => {
    const error = errorOf(() => statusArgument('PENDING'));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'status' });
    expect(error.message).toContain('"status"');
    expect(error.message).toContain(
      'QUEUED, SENDING, SENT, DELIVERED, BOUNCED, COMPLAINED, REJECTED, SUPPRESSED, CANCELLED, ERROR',
    );
    expect(error.message).toContain('"PENDING"');
  });

  it('turns from and to into the first and last millisecond they cover', () => {
    expect(sendFilterArguments({ from: '2026-11-20', to: '2026-11-21T10:00Z' })).toEqual({
      createdFrom: '2026-11-20T00:00:00.000Z',
      createdTo: '2026-11-21T10:00:59.999Z',
    });
  });

  it('treats null arguments as omitted', () => {
    expect(sendFilterArguments({ status: null, batchId: null, from: null, to: null })).toEqual({});
  });

  it('refuses a malformed date, naming the argument and the accepted forms', () => {
    const error = errorOf(() => sendFilterArguments({ to: '20/11/2026' }));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'to' });
    expect(error.message).toMatch(/"to" must be an ISO-8601 date \(2026-11-20\) or date-time with a zone/);
  });

  it('refuses from later than to', () => {
    const error = errorOf(() => sendFilterArguments({ from: '2026-11-21', to: '2026-11-20T23:59:59.999Z' }));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'from' });
  });

  it('accepts from and to naming the same day', () => {
    expect(sendFilterArguments({ from: '2026-11-20', to: '2026-11-20' })).toEqual({
      createdFrom: '2026-11-20T00:00:00.000Z',
      createdTo: '2026-11-20T23:59:59.999Z',
    });
  });

  it('refuses an empty batch id or one with control characters', () => {
    expect(errorOf(() => batchIdArgument('')).extensions).toMatchObject({ argument: 'batchId' });
    expect(errorOf(() => batchIdArgument('a\nb')).extensions).toMatchObject({ argument: 'batchId' });
    expect(batchIdArgument('7f7c1f0e-3c57-4d59-9d4e-3b2a1b0c9d8e')).toBe(
      '7f7c1f0e-3c57-4d59-9d4e-3b2a1b0c9d8e',
    );
  });

  it('defaults the page size to 100 and accepts 1 to 1000', () => {
    expect(pageSizeArgument('limit', undefined)).toBe(100);
    expect(pageSizeArgument('first', null)).toBe(100);
    expect(pageSizeArgument('first', 1)).toBe(1);
    expect(pageSizeArgument('limit', 1000)).toBe(1000);
  });

  it.each([0, -1, 1001])('refuses the page size %d, naming the argument and the range', (size) => {
    const error = errorOf(() => pageSizeArgument('limit', size));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'limit' });
    expect(error.message).toContain('"limit" must be an integer from 1 to 1000');
  });

  it('gives two spellings of the same filter the same scope', () => {
    expect(filterScope(sendFilterArguments({ status: 'sent', from: '2026-11-20T01:00:00+01:00' }))).toBe(
      filterScope(sendFilterArguments({ status: 'SENT', from: '2026-11-20T00:00:00.000Z' })),
    );
  });
});
