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

  const variables: Record<string, string> = {};
  for (const { name, index } of columns.variables) variables[name] = fields[index] ?? '';
  return { ok: true, row: { email, subject, content, variables } };
}
