/** The form an address is deduplicated and identified by: trimmed and lower-cased. */
export function normaliseEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

const MAX_ADDRESS_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;
// RFC 5322 "atext" plus dots: what mailbox providers and SES accept unquoted.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const TOP_LEVEL_LABEL = /^[A-Za-z]{2,63}$|^xn--[A-Za-z0-9-]{1,59}$/;

/** Why an address cannot be mailed, or undefined when it can. Expects a normalised address. */
export function emailProblem(address: string): string | undefined {
  if (address.length === 0) return 'email is empty';
  if (/\s/.test(address)) return 'email contains whitespace';
  if (address.length > MAX_ADDRESS_LENGTH) return `email is longer than ${MAX_ADDRESS_LENGTH} characters`;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return 'email is not of the form local@domain';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > MAX_LOCAL_LENGTH)
    return `email local part is longer than ${MAX_LOCAL_LENGTH} characters`;
  if (!LOCAL_PART.test(local)) return 'email local part has characters that are not allowed';
  const labels = domain.split('.');
  if (labels.length < 2) return 'email domain has no dot';
  if (!labels.every((label) => DOMAIN_LABEL.test(label))) return 'email domain is not a valid host name';
  if (!TOP_LEVEL_LABEL.test(labels[labels.length - 1] ?? ''))
    return 'email domain has no valid top-level domain';
  return undefined;
}

/** An address fit for a log line: enough to tell sends apart, not enough to harvest. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***@${address.slice(at + 1)}`;
}
