/**
 * One measurement of `npm run bench:ingest`, run in a process of its own so that its peak memory is its
 * own: `parse <rows>` reads a generated CSV of that many rows through readCampaign (parse, validate,
 * dedupe), never holding the file; `dedupe <addresses>` measures the heap a dedupe set takes per
 * address, for RecipientDedupe and for a Map of the address strings. Prints one JSON line.
 */
import { readCampaign } from '../lambdas/core/domain/campaign-reader.js';
import { RecipientDedupe } from '../lambdas/core/domain/recipient-dedupe.js';
import { campaignChunks } from './ingest-csv.js';
import { peakRssBytes } from './process-stats.js';

async function parse(rows: number) {
  const started = performance.now();
  let accepted = 0;
  let other = 0;
  for await (const entry of readCampaign(campaignChunks(rows))) {
    if (entry.kind === 'accepted') accepted += 1;
    else if (entry.kind !== 'format') other += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    rows,
    accepted,
    other,
    seconds,
    rowsPerSecond: rows / seconds,
    peakRssBytes: peakRssBytes(process.pid),
  };
}

function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
}

function dedupe(addresses: number) {
  const address = (i: number) => `someone.${String(i).padStart(7, '0')}@example.com`;
  let before = heapAfterGc();
  const compact = new RecipientDedupe();
  for (let i = 0; i < addresses; i++) compact.firstSeen(address(i), i + 2);
  const compactBytes = heapAfterGc() - before;
  before = heapAfterGc();
  const map = new Map<string, number>();
  for (let i = 0; i < addresses; i++) map.set(address(i), i + 2);
  const mapBytes = heapAfterGc() - before;
  return {
    addresses,
    addressLength: address(0).length,
    compactBytesPerAddress: compactBytes / addresses,
    compactTableBytes: compact.bytes,
    mapBytesPerAddress: mapBytes / addresses,
    sizes: [compact.size, map.size],
  };
}

const [mode, count] = process.argv.slice(2);
const n = Number(count);
if (mode === 'parse') console.log(JSON.stringify(await parse(n)));
else if (mode === 'dedupe') console.log(JSON.stringify(dedupe(n)));
else throw new Error('usage: ingest-parse.ts parse|dedupe <count>');
