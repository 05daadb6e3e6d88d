import { describe, expect, it } from 'vitest';
import { CampaignFileError } from '../../lambdas/core/domain/campaign-file-error.js';
import { COLUMN_ALIASES, matchHeader } from '../../lambdas/core/domain/campaign-header.js';

function headerErrorOf(fields: string[]): CampaignFileError {
  try {
    matchHeader(fields);
  } catch (error) {
    if (error instanceof CampaignFileError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(fields)} to be refused`);
}

describe('matchHeader', () => {
  it('finds the required columns wherever they are and keeps the others as variables', () => {
    expect(matchHeader(['first_name', 'content', 'email', 'city', 'subject'])).toEqual({
      email: 2,
      subject: 4,
      content: 1,
      variables: [
        { name: 'first_name', index: 0 },
        { name: 'city', index: 3 },
      ],
      width: 5,
    });
  });

  it('compares names trimmed and case-insensitively, and keeps variable names as written but trimmed', () => {
    expect(matchHeader([' EMAIL ', 'Subject', '\tContent', ' First Name '])).toEqual({
      email: 0,
      subject: 1,
      content: 2,
      variables: [{ name: 'First Name', index: 3 }],
      width: 4,
    });
  });

  it.each([
    ['email', ['E-Mail', 'Subject', 'Content']],
    ['email', ['email_address', 'Subject', 'Content']],
    ['email', ['Correo', 'Subject', 'Content']],
    ['subject', ['Email', 'Asunto', 'Content']],
    ['content', ['Email', 'Subject', 'Body']],
    ['content', ['Email', 'Subject', 'HTML']],
    ['content', ['Email', 'Subject', 'Contenido']],
  ])('accepts an alias for the %s column (%j)', (_column, fields) => {
    expect(matchHeader(fields)).toEqual({ email: 0, subject: 1, content: 2, variables: [], width: 3 });
  });

  it('lists the accepted names of each required column', () => {
    expect(COLUMN_ALIASES).toEqual({
      email: ['email', 'e-mail', 'email_address', 'correo'],
      subject: ['subject', 'asunto'],
      content: ['content', 'body', 'html', 'contenido'],
    });
  });

  it('ignores columns with an empty name but counts them in the width a row must have', () => {
    expect(matchHeader(['email', '', 'subject', ' ', 'content'])).toEqual({
      email: 0,
      subject: 2,
      content: 4,
      variables: [],
      width: 5,
    });
  });

  it('refuses a header without a content column, naming it and its accepted names', () => {
    const error = headerErrorOf(['email', 'subject', 'name']);
    expect(error.problem).toBe('MISSING_COLUMNS');
    expect(error.message).toBe('missing required column(s): content (content, body, html, contenido)');
  });

  it('refuses a header with no required column, naming all three', () => {
    const error = headerErrorOf(['email;subject;content']);
    expect(error.problem).toBe('MISSING_COLUMNS');
    expect(error.message).toBe(
      'missing required column(s): email (email, e-mail, email_address, correo); subject (subject, asunto); ' +
        'content (content, body, html, contenido)',
    );
  });

  it('refuses a column name that appears twice, however cased', () => {
    const error = headerErrorOf(['email', 'subject', 'content', 'City', ' city ']);
    expect(error.problem).toBe('DUPLICATE_COLUMNS');
    expect(error.message).toBe('column "city" appears more than once in the header');
  });

  it('refuses two aliases of the same required column', () => {
    const error = headerErrorOf(['email', 'subject', 'body', 'html']);
    expect(error.problem).toBe('DUPLICATE_COLUMNS');
    expect(error.message).toBe('the header has more than one content column');
  });
});
