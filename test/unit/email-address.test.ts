import { describe, expect, it } from 'vitest';
import { emailProblem, maskEmail, normaliseEmail } from '../../lambdas/core/domain/email-address.js';

describe('normaliseEmail', () => {
  it('trims and lower-cases an address', () => {
    expect(normaliseEmail('  Ana.Lopez@Example.COM\t')).toBe('ana.lopez@example.com');
  });
});

describe('emailProblem', () => {
  it.each([
    'ana@example.com',
    'ana.lopez+news@mail.example.co.uk',
    "o'brien_1@example-mail.org",
    'ana@xn--bcher-kva.example',
    'ana@example.xn--p1ai',
    `${'a'.repeat(64)}@example.com`,
  ])('accepts %s', (address) => {
    expect(emailProblem(address)).toBeUndefined();
  });

  it('accepts an address of exactly 254 characters', () => {
    const address = `ana@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(54)}.com`;
    expect(address).toHaveLength(254);
    expect(emailProblem(address)).toBeUndefined();
  });

  it.each([
    ['', 'email is empty'],
    ['ana lopez@example.com', 'email contains whitespace'],
    [
      `ana@${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(55)}.com`,
      'email is longer than 254 characters',
    ],
    ['ana.example.com', 'email is not of the form local@domain'],
    ['@example.com', 'email is not of the form local@domain'],
    ['ana@', 'email is not of the form local@domain'],
    [`${'a'.repeat(65)}@example.com`, 'email local part is longer than 64 characters'],
    ['ana..lopez@example.com', 'email local part has characters that are not allowed'],
    ['.ana@example.com', 'email local part has characters that are not allowed'],
    ['"ana"@example.com', 'email local part has characters that are not allowed'],
    ['ana@localhost', 'email domain has no dot'],
    ['ana@-example.com', 'email domain is not a valid host name'],
    ['ana@example..com', 'email domain is not a valid host name'],
    ['ana@exa_mple.com', 'email domain is not a valid host name'],
    ['ana@example.c', 'email domain has no valid top-level domain'],
    ['ana@example.123', 'email domain has no valid top-level domain'],
  ])('rejects %j: %s', (address, problem) => {
    expect(emailProblem(address)).toBe(problem);
  });
});

describe('maskEmail', () => {
  it('keeps the first character and the domain only', () => {
    expect(maskEmail('ana.lopez@example.com')).toBe('a***@example.com');
  });

  it('hides an address without a local part entirely', () => {
    expect(maskEmail('not-an-address')).toBe('***');
    expect(maskEmail('@example.com')).toBe('***');
  });
});
