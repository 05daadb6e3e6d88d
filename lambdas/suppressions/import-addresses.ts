import { REPORT_LIST_LIMIT, type SuppressionImport } from '../contract/api-schemas.js';
import { readAddressList } from '../core/domain/address-list.js';
import type { Suppression } from '../core/domain/suppression.js';
import type { SuppressionStore } from '../core/store/suppression-store.js';

/** What an import says of each entry it adds: a person's list, kept apart from the API's PUT by its detail. */
export const IMPORT_DETAIL = 'import';

/**
 * Adds the addresses of a CSV (address-list.ts) that are not on the list yet, as MANUAL with the detail
 * `import`: an address on the list already keeps its entry and reason (a complaint stays a complaint).
 * The whole file is read before anything is written, then one BatchGetItem per 100 addresses and one
 * conditional put per address to add (SuppressionStore.addMissing), so a file sent twice adds nothing the
 * second time. The caller bounds the file's size, and so the addresses held.
 */
export async function importAddresses(
  bytes: Buffer,
  deps: { suppressions: Pick<SuppressionStore, 'addMissing'>; clock: () => Date },
): Promise<SuppressionImport> {
  const addresses: string[] = [];
  let repeated = 0;
  let invalid = 0;
  const invalidList: SuppressionImport['invalidList'] = [];
  for await (const entry of readAddressList([bytes])) {
    switch (entry.kind) {
      case 'address':
        addresses.push(entry.email);
        break;
      case 'repeated':
        repeated += 1;
        break;
      case 'invalid':
        invalid += 1;
        if (invalidList.length < REPORT_LIST_LIMIT) {
          invalidList.push({ line: entry.line, reason: entry.reason, value: entry.value });
        }
        break;
    }
  }
  const addedAt = deps.clock().toISOString();
  const added = await deps.suppressions.addMissing(
    addresses.map((email): Suppression => ({ email, reason: 'MANUAL', detail: IMPORT_DETAIL, addedAt })),
  );
  return {
    received: addresses.length + repeated + invalid,
    added: added.length,
    alreadySuppressed: addresses.length - added.length + repeated,
    invalid,
    invalidList,
    truncated: invalidList.length < invalid,
  };
}
