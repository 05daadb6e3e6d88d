import { CampaignFileError } from './campaign-file-error.js';

/** Header names accepted for each required column, compared trimmed and case-insensitively. */
export const COLUMN_ALIASES = {
  email: ['email', 'e-mail', 'email_address', 'correo'],
  subject: ['subject', 'asunto'],
  content: ['content', 'body', 'html', 'contenido'],
} as const;

export type RequiredColumn = keyof typeof COLUMN_ALIASES;

export interface CampaignColumns {
  email: number;
  subject: number;
  content: number;
  /** Every other named column, kept as a personalisation variable of the row. */
  variables: { name: string; index: number }[];
  /** Fields a data row must have. */
  width: number;
}

function requiredColumnOf(name: string): RequiredColumn | undefined {
  const key = name.trim().toLowerCase();
  for (const column of Object.keys(COLUMN_ALIASES) as RequiredColumn[]) {
    if ((COLUMN_ALIASES[column] as readonly string[]).includes(key)) return column;
  }
  return undefined;
}

export function matchHeader(fields: string[]): CampaignColumns {
  const found: Partial<Record<RequiredColumn, number>> = {};
  const variables: { name: string; index: number }[] = [];
  const seen = new Set<string>();
  fields.forEach((raw, index) => {
    const name = raw.trim();
    const key = name.toLowerCase();
    if (key === '') return;
    if (seen.has(key)) {
      throw new CampaignFileError(
        'DUPLICATE_COLUMNS',
        `column "${name}" appears more than once in the header`,
      );
    }
    seen.add(key);
    const column = requiredColumnOf(name);
    if (column === undefined) {
      variables.push({ name, index });
    } else if (found[column] !== undefined) {
      throw new CampaignFileError('DUPLICATE_COLUMNS', `the header has more than one ${column} column`);
    } else {
      found[column] = index;
    }
  });
  const missing = (Object.keys(COLUMN_ALIASES) as RequiredColumn[]).filter((c) => found[c] === undefined);
  if (
    missing.length > 0 ||
    found.email === undefined ||
    found.subject === undefined ||
    found.content === undefined
  ) {
    const accepted = missing.map((c) => `${c} (${COLUMN_ALIASES[c].join(', ')})`).join('; ');
    throw new CampaignFileError('MISSING_COLUMNS', `missing required column(s): ${accepted}`);
  }
  return {
    email: found.email,
    subject: found.subject,
    content: found.content,
    variables,
    width: fields.length,
  };
}
