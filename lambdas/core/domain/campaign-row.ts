import type { CampaignColumns } from './campaign-header.js';
import { emailProblem, normaliseEmail } from './email-address.js';

export interface CampaignRow {
  /** Normalised (trimmed, lower-cased) address. */
  email: string;
  subject: string;
  content: string;
  /** Extra columns of the row, by header name, for personalisation. */
  variables: Record<string, string>;
}

export type RowCheck = { ok: true; row: CampaignRow } | { ok: false; reason: string; value: string };

/** RFC 5322 caps a header line at 998 characters; a longer subject would be folded or refused. */
export const MAX_SUBJECT_LENGTH = 998;

/**
 * Content is stored once per distinct text in one DynamoDB item (at most 400 KB), and a send item
 * carries the row's personalisation values: both limits keep every write of a valid row possible.
 */
export const MAX_CONTENT_BYTES = 256 * 1024;
export const MAX_VARIABLES_BYTES = 32 * 1024;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

export function checkRow(fields: string[], columns: CampaignColumns): RowCheck {
  if (fields.length !== columns.width) {
    return {
      ok: false,
      reason: `row has ${fields.length} field(s) but the header has ${columns.width}`,
      value: fields.join(',').slice(0, 200),
    };
  }
  const rawEmail = fields[columns.email] ?? '';
  const email = normaliseEmail(rawEmail);
  const problem = emailProblem(email);
  if (problem !== undefined) return { ok: false, reason: problem, value: rawEmail };

  const subject = (fields[columns.subject] ?? '').trim();
  if (subject === '') return { ok: false, reason: 'subject is empty', value: subject };
  // A line break in a subject is how header injection starts: it would let a row add its own headers.
  if (/[\r\n]/.test(subject)) return { ok: false, reason: 'subject contains a line break', value: subject };
  if (subject.length > MAX_SUBJECT_LENGTH) {
    return { ok: false, reason: `subject is longer than ${MAX_SUBJECT_LENGTH} characters`, value: subject };
  }

  const content = fields[columns.content] ?? '';
  if (content.trim() === '') return { ok: false, reason: 'content is empty', value: content };
  if (bytes(content) > MAX_CONTENT_BYTES) {
    return {
      ok: false,
      reason: `content is larger than ${MAX_CONTENT_BYTES / 1024} KB`,
      value: content.slice(0, 200),
    };
  }

  const variables: Record<string, string> = {};
  let variableBytes = 0;
  for (const { name, index } of columns.variables) {
    const value = fields[index] ?? '';
    variables[name] = value;
    variableBytes += bytes(name) + bytes(value);
  }
  if (variableBytes > MAX_VARIABLES_BYTES) {
    return {
      ok: false,
      reason: `personalisation columns hold more than ${MAX_VARIABLES_BYTES / 1024} KB`,
      value: fields.join(',').slice(0, 200),
    };
  }
  return { ok: true, row: { email, subject, content, variables } };
}
