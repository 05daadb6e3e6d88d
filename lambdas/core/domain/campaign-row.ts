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

/**
 * C0 control characters and DEL. None belongs in an address or a subject (a NUL in a header is cut
 * off or refused on the way, and others let a row smuggle bytes into the mail); content and the
 * personalisation values that fill it may hold tabs and line breaks, its layout.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL_BUT_LAYOUT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** The first control character of `text` as U+XXXX, or undefined. */
function controlIn(text: string, layoutAllowed: boolean): string | undefined {
  const found = (layoutAllowed ? CONTROL_BUT_LAYOUT : CONTROL).exec(text)?.[0];
  return found === undefined
    ? undefined
    : `U+${found.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A value for the report with its control characters shown as Unicode's pictures of them (␀ for NUL). */
export function visibleControls(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return text.replace(/[\u0000-\u001f\u007f]/g, (c) =>
    String.fromCharCode(c === '\u007f' ? 0x2421 : 0x2400 + c.charCodeAt(0)),
  );
}

const controlRefusal = (field: string, control: string, value: string): RowCheck => ({
  ok: false,
  reason: `${field} contains the control character ${control}`,
  value: visibleControls(value).slice(0, 200),
});

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
  const emailControl = controlIn(email, false);
  if (emailControl !== undefined) return controlRefusal('email', emailControl, rawEmail);
  const problem = emailProblem(email);
  if (problem !== undefined) return { ok: false, reason: problem, value: rawEmail };

  const subject = (fields[columns.subject] ?? '').trim();
  if (subject === '') return { ok: false, reason: 'subject is empty', value: subject };
  // A line break in a subject is how header injection starts: it would let a row add its own headers.
  if (/[\r\n]/.test(subject)) return { ok: false, reason: 'subject contains a line break', value: subject };
  const subjectControl = controlIn(subject, false);
  if (subjectControl !== undefined) return controlRefusal('subject', subjectControl, subject);
  if (subject.length > MAX_SUBJECT_LENGTH) {
    return { ok: false, reason: `subject is longer than ${MAX_SUBJECT_LENGTH} characters`, value: subject };
  }

  const content = fields[columns.content] ?? '';
  if (content.trim() === '') return { ok: false, reason: 'content is empty', value: content };
  const contentControl = controlIn(content, true);
  if (contentControl !== undefined) return controlRefusal('content', contentControl, content);
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
    const control = controlIn(value, true);
    if (control !== undefined) return controlRefusal(`column ${name}`, control, value);
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
