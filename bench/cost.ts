/**
 * `npm run bench:cost [-- recipients]`: what a campaign costs on AWS, excluding SES, per 1M recipients.
 *
 * Runs sample campaigns (`recipients` each, 1,000 by default) through the real code path against the
 * embedded emulators (upload API use case → S3 event → writer → send queue → sender containers → sweeper
 * until the batch is reconciled and finished), with meters on the SDK clients the stores, queues and
 * files use: every DynamoDB call's write and read units, index writes included, computed from the item
 * images (capacity-units.ts, capacity-meter.ts); every SQS request; every S3 request; each handler's
 * wall time; what the batch stores. After the sends, SES's events of the mails (Send and Delivery of
 * each, a share of bounces and complaints: cost-ses-events.ts) go through the events queue to the events
 * function, metered the same way, and are reported apart. Four cases: a 20 KB template shared by every row and 2 KB contents
 * personalised per row, each at 14 and 500 sends/s. Then the cost model (cost-model.ts) scales each
 * counted quantity per send, per file or per sweeper run to 1M recipients, with the prices of
 * cost-prices.ts, and the write rate of every partition key at 1,000 sends/s of one batch.
 *
 * Prints the tables and writes JSON to bench/results/.
 */
import os from 'node:os';
import { SEND_QUEUE } from '../lambdas/contract/queue-settings.js';
import { SETTINGS } from '../lambdas/contract/settings.js';
import { startTestAws } from '../test/helpers/aws-emulators.js';
import { writeBenchResults } from './bench-results.js';
import { BENCH, billedAs } from './capacity-meter.js';
import { type CampaignSample, type ContentKind, meter, PAYERS, runCampaign } from './cost-campaign.js';
import {
  type CaseCost,
  costOf,
  designRates,
  dynamoScale,
  eventsEmfBytes,
  eventsPerInvocationAt,
  eventsPerReceiveAt,
  type KeyRate,
  keyRates,
  RECIPIENTS,
  type Scale,
  sampleUnits,
  scaleFactors,
  senderEmfBytes,
} from './cost-model.js';
import { ASSUMPTIONS, assumed, dollarsOf, PRICE_DATE, PRICES } from './cost-prices.js';
import { BOUNCE_SHARE, COMPLAINT_SHARE, FED_EVENT_TYPES } from './cost-ses-events.js';

const RATES = [14, 500] as const;
const CONTENTS: { kind: ContentKind; label: string }[] = [
  { kind: 'template', label: '20 KB shared template' },
  { kind: 'personalised', label: '2 KB personalised contents' },
];
const TARGET_DOLLARS = 8;
/** The campaign sizes whose dollars per 1,000 sends are printed (the per-file and per-run costs weigh more on a small one). */
const PER_THOUSAND_AT = [10_000, RECIPIENTS] as const;
const HOT_KEY_RATE = 1000;
const HOT_KEY_LIMIT = 1000;

/**
 * Sender containers for a rate, before any sample: the SES call and the four DynamoDB calls of a send in
 * a row (cost-model.ts recomputes it from the counted calls).
 */
const percent = (share: number) => `${(share * 100).toFixed(share < 0.01 ? 2 : 1)} %`;

const containersFor = (rate: number) =>
  Math.max(2, Math.ceil((rate * (assumed('sesLatencyMs') + 4 * assumed('dynamoLatencyMs'))) / 1000));

const SCALING = [
  '- Per send (scaled by 1M ÷ sample): the send item (writer put, claim, SENT), its index entry (put, then',
  '  delete + put on OPEN → SENT), two counter moves, its queue message (a tenth of a SendMessageBatch,',
  '  ReceiveMessage and DeleteMessageBatch), its share of chunk PUTs, checkpoints and sender chunk GETs, the',
  "  sender's billed time, the writer's and the upload API's time per row, the reconciliation's index reads,",
  '  the storage of its item and index entry for the retention, and of its rows in S3.',
  '- Per file (scaled by the files 1M rows take at ≤ 1 GiB each): the batch record, the file record, the',
  "  writer state's claim and finish, the batch start (one write, or a refused one, per sender container),",
  "  the S3 event and its receive, the upload's PUT and the writer's GET of it, the sweeper's finishing run",
  '  except its index reads, one API Gateway request.',
  '- Per sweeper run while the campaign is open (runs = duration ÷ 5 min, × files open): the sweeper reads',
  '  the open batches (one Query, the writer states, 8 counter items each) and its time.',
  '- Per SES event (SES publishes a Send and a Delivery for each mail; a Bounce instead of the Delivery',
  `  for ${percent(BOUNCE_SHARE)} of them, a Complaint after it for ${percent(COMPLAINT_SHARE)}): what an event of a type does in the`,
  '  events function (the GetItem of its send, its conditional UpdateItem, a suppression) by the events of',
  '  that type; what the events do together (EventBridge puts each on the events queue, one SendMessage;',
  '  the receives and deletes; the invocations; the counter moves written once per invocation) by all',
  "  events; the guardrail's reads of the batch's progress after an invocation with a bounce or complaint",
  '  by the bounces and complaints. Events per invocation follow the rate (eventsPerInvocationAt).',
  '- The rate: the duration (sweeper runs, X-Ray sampling), the sender concurrency it needs and so the',
  "  sender's billed time per send: max(concurrency ÷ rate, work). The writer enqueues faster than either",
  '  rate (a chunk of 500 is 20 BatchWriteItem and 50 SendMessageBatch calls, 8 in flight), so a backlog',
  '  forms and every receive returns 10 messages but the last; no receive comes back empty while it lasts.',
  "- Not counted: SES; the pollers of Lambda's SQS event sources long-polling the three queues while idle (a",
  '  fixed cost of the stack, about 5 pollers × 3 requests a minute per queue ≈ $0.26 a queue-month, whether',
  '  or not a campaign runs); CloudWatch custom metrics, alarms and the dashboard (per metric or alarm per',
  '  month, whatever the volume); KMS (AWS managed keys: DynamoDB and SQS cache their data keys); data',
  '  transfer (in-region, free; uploads into S3 are free); progress reads from GraphQL or GET /campaigns',
  '  (constant per call, as many as someone polls); cold starts (INIT is billed since August 2025: about a',
  '  second for each of a few dozen containers, under $0.001); the API key lookup of an upload (cached).',
].join('\n');

type Align = 'l' | 'r';

function table(header: string[], rows: string[][], align: Align[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const cell = (text: string, i: number) =>
    (align[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? text.padEnd(widths[i] ?? 0) : text.padStart(widths[i] ?? 0);
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = widths.map((w, i) =>
    (align[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`,
  );
  return [line(header), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n');
}

const dollars = (value: number) =>
  value >= 0.01 || value === 0 ? `$${value.toFixed(2)}` : `$${value.toFixed(4)}`;
/** Dollars per 1,000 sends: a fraction of a cent, to a hundredth of one. */
const perThousand = (value: number) => `$${value.toFixed(4)}`;
const num = (value: number, digits = 0) =>
  value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const short = (value: number) =>
  value >= 100 ? num(value) : value >= 1 ? num(value, 2) : value === 0 ? '0' : value.toPrecision(3);

function pricesTable(): string {
  return table(
    ['price', 'us-east-1', 'source'],
    Object.entries(PRICES).map(([id, p]) => [
      id,
      `$${p.dollars} per ${p.per === 1 ? '' : `${num(p.per)} `}${p.unit}`,
      `${p.source}${'note' in p ? ` (${p.note})` : ''}`,
    ]),
    ['l', 'l', 'l'],
  );
}

function assumptionsTable(): string {
  return table(
    ['assumption', 'value', 'why'],
    Object.entries(ASSUMPTIONS).map(([id, a]) => [id, String(a.value), a.why]),
    ['l', 'r', 'l'],
  );
}

function samplesTable(costs: CaseCost[]): string {
  return table(
    [
      'case',
      'recipients',
      'CSV B/row',
      'chunks',
      'sender containers',
      'writer rows/s',
      'sender invocation ms ÷ sends',
      'run s',
      'CPU s',
    ],
    costs.map((c) => {
      const s = c.sample;
      const senderMs = s.invocations.filter((i) => i.payer === PAYERS.sender).reduce((t, i) => t + i.ms, 0);
      return [
        c.name,
        num(s.accepted),
        num(s.csvBytes / s.accepted),
        num(s.chunks),
        num(s.options.senderContainers),
        num(s.accepted / s.seconds.writer),
        num(senderMs / s.accepted, 1),
        num(s.seconds.total, 1),
        num(s.cpuSeconds, 1),
      ];
    }),
  );
}

interface StepRow {
  payer: string;
  step: string;
  scale: Scale;
  /** Per send, per file or per sweeper run, as `scale` says. */
  calls: number;
  tableWriteUnits: number;
  indexWriteUnits: number;
  readUnits: number;
  dollarsPerMillion: number;
}

/** The counted DynamoDB calls of one case by step, per unit of their class, with their dollars per 1M. */
function stepsOf(cost: CaseCost): StepRow[] {
  const per = sampleUnits(cost.sample);
  const factor = scaleFactors(cost.sample, RECIPIENTS, cost.files, cost.rate.sweeperRuns);
  const steps = new Map<
    string,
    { payer: string; step: string; scale: Scale; calls: number; t: number; i: number; r: number }
  >();
  for (const call of cost.sample.dynamo) {
    const scale = dynamoScale(call);
    // A counter shard's first move creates it: the same step.
    const step = call.step.replace('counter shard created', 'counter shard updated');
    const id = `${call.payer}|${step}|${scale}`;
    const entry = steps.get(id) ?? { payer: call.payer, step, scale, calls: 0, t: 0, i: 0, r: 0 };
    entry.calls += 1;
    entry.t += call.tableWriteUnits;
    entry.i += call.indexWriteUnits;
    entry.r += call.readUnits;
    steps.set(id, entry);
  }
  return [...steps.values()].map((e) => ({
    payer: e.payer,
    step: e.step,
    scale: e.scale,
    calls: e.calls / per[e.scale],
    tableWriteUnits: e.t / per[e.scale],
    indexWriteUnits: e.i / per[e.scale],
    readUnits: e.r / per[e.scale],
    dollarsPerMillion:
      dollarsOf('dynamoWriteUnit', (e.t + e.i) * factor[e.scale]) +
      dollarsOf('dynamoReadUnit', e.r * factor[e.scale]),
  }));
}

function stepsTable(cost: CaseCost): string {
  const scaleName: Record<Scale, string> = {
    send: 'per send',
    file: 'per file',
    sweep: 'per run',
    event: 'per SES event',
    Send: 'per Send event',
    Delivery: 'per Delivery',
    Bounce: 'per Bounce',
    Complaint: 'per Complaint',
    'bounce or complaint': 'per bounce or complaint',
  };
  return table(
    ['function', 'step', 'counted', 'calls', 'table WCU', 'index WCU', 'RCU', '$ per 1M'],
    stepsOf(cost).map((e) => [
      e.payer,
      e.step,
      scaleName[e.scale],
      short(e.calls),
      short(e.tableWriteUnits),
      short(e.indexWriteUnits),
      short(e.readUnits),
      dollars(e.dollarsPerMillion),
    ]),
    ['l', 'l', 'l'],
  );
}

function otherRequestsTable(cost: CaseCost): string {
  const n = cost.sample.accepted;
  const rows = new Map<string, { count: number; messages: number }>();
  for (const call of cost.sample.sqs) {
    const id = `SQS ${call.operation} ${call.queue}${call.empty ? ' (empty: idle polling, not billed here)' : ''} by ${call.payer}`;
    const entry = rows.get(id) ?? { count: 0, messages: 0 };
    entry.count += call.requests;
    entry.messages += call.messages;
    rows.set(id, entry);
  }
  for (const call of cost.sample.s3) {
    const id = `S3 ${call.operation} ${call.key.split('/')[0]}/ by ${call.payer}`;
    const entry = rows.get(id) ?? { count: 0, messages: 0 };
    entry.count += 1;
    rows.set(id, entry);
  }
  return table(
    ['request', 'in the sample', 'per 1,000 sends', 'messages'],
    [...rows.entries()].map(([id, e]) => [id, num(e.count), num((e.count / n) * 1000, 1), num(e.messages)]),
    ['l'],
  );
}

function dollarsTable(costs: CaseCost[]): string {
  const components = costs[0]?.lines.map((l) => l.component) ?? [];
  const rows = components.map((component) => [
    component,
    ...costs.map((c) => dollars(c.lines.find((l) => l.component === component)?.dollars ?? 0)),
  ]);
  rows.push(['**total, excluding SES**', ...costs.map((c) => `**${dollars(c.total)}**`)]);
  rows.push([
    `target ≤ $${TARGET_DOLLARS}`,
    ...costs.map((c) =>
      c.total <= TARGET_DOLLARS ? 'met' : `MISSED by ${dollars(c.total - TARGET_DOLLARS)}`,
    ),
  ]);
  return table(['per 1M recipients', ...costs.map((c) => c.name)], rows);
}

function rateTable(costs: CaseCost[]): string {
  const rows: [string, (c: CaseCost) => string][] = [
    ['campaign duration at the rate', (c) => `${num(c.rate.campaignSeconds / 3600, 1)} h`],
    ['files of ≤ 1 GiB (MAX_LARGE_UPLOAD_BYTES)', (c) => `${num(c.files)} × ${num(c.rowsPerFile)} rows`],
    ['sender concurrency needed', (c) => num(c.rate.senderConcurrency)],
    ['sender work per send (SES + DynamoDB + S3)', (c) => `${num(c.rate.workMsPerSend, 1)} ms`],
    ['sender billed per send: max(C ÷ rate, work)', (c) => `${num(c.rate.billedMsPerSend, 1)} ms`],
    ['sender invocations', (c) => num(c.rate.senderInvocations)],
    ['messages per invocation (sample)', (c) => num(c.rate.batchFullness, 2)],
    ['sweeper runs during the campaign', (c) => num(c.rate.sweeperRuns)],
    ['sender traces sampled by X-Ray', (c) => num(c.rate.senderTraces)],
    [
      'write units per send (table + index)',
      (c) =>
        `${short(c.perSend.tableWrites)} + ${short(c.perSend.indexWrites)} = ${short(c.perSend.writeUnits)}`,
    ],
    ['read units per send', (c) => short(c.perSend.readUnits)],
    ['SES events per events invocation (modelled)', (c) => num(c.events.eventsPerInvocation)],
    ['events function invocations', (c) => num(c.events.invocations)],
  ];
  return table(
    ['model, per 1M recipients', ...costs.map((c) => c.name)],
    rows.map(([label, of]) => [label, ...costs.map(of)]),
  );
}

/** SES's events' own cost, per send, and their part of the total. */
function eventsTable(costs: CaseCost[]): string {
  const perSend = (value: number) => short(value / RECIPIENTS);
  const rows: [string, (c: CaseCost) => string][] = [
    [
      'events fed in the sample (Send / Delivery / Bounce / Complaint)',
      (c) => FED_EVENT_TYPES.map((t) => num(c.sample.sesEvents[t])).join(' / '),
    ],
    ['SES events per send', (c) => perSend(c.events.events)],
    ['SES events per events invocation (modelled)', (c) => num(c.events.eventsPerInvocation)],
    ['DynamoDB write units per send', (c) => perSend(c.events.writeUnits)],
    ['DynamoDB read units per send', (c) => perSend(c.events.readUnits)],
    ['SQS requests per send', (c) => perSend(c.events.sqsRequests)],
    ['EventBridge events per send (free)', (c) => perSend(c.events.eventBridgeEvents)],
    ['Lambda invocations per send', (c) => perSend(c.events.invocations)],
    ['$ per 1,000 sends', (c) => perThousand((c.events.dollars / RECIPIENTS) * 1000)],
    ['share of the total', (c) => `${num((c.events.dollars / c.total) * 100, 1)} %`],
  ];
  return table(
    ['SES events, per send', ...costs.map((c) => c.name)],
    rows.map(([label, of]) => [label, ...costs.map(of)]),
  );
}

/** Per send, all in: the send's path and its SES events; dollars per 1,000 sends at each campaign size. */
function perSendTable(costs: CaseCost[], small: CaseCost[]): string {
  const rows: [string, (c: CaseCost, i: number) => string][] = [
    [
      'write units per send: path + SES events = all',
      (c) =>
        `${short(c.perSend.writeUnits)} + ${short(c.events.writeUnits / RECIPIENTS)} = ${short(c.perSend.writeUnits + c.events.writeUnits / RECIPIENTS)}`,
    ],
    [
      'read units per send: path + SES events = all',
      (c) =>
        `${short(c.perSend.readUnits)} + ${short(c.events.readUnits / RECIPIENTS)} = ${short(c.perSend.readUnits + c.events.readUnits / RECIPIENTS)}`,
    ],
    ...PER_THOUSAND_AT.map((recipients): [string, (c: CaseCost, i: number) => string] => [
      `$ per 1,000 sends, ${num(recipients)} recipients (of which SES events)`,
      (c, i) => {
        const at = recipients === RECIPIENTS ? c : small[i];
        if (at === undefined) return '';
        return `${perThousand((at.total / recipients) * 1000)} (${perThousand((at.events.dollars / recipients) * 1000)})`;
      },
    ]),
  ];
  return table(
    ['per send, excluding SES', ...costs.map((c) => c.name)],
    rows.map(([label, of]) => [label, ...costs.map((c, i) => of(c, i))]),
  );
}

function hotKeys(samples: CampaignSample[]): { text: string; max: number } {
  const merged = new Map<string, KeyRate>();
  for (const rate of samples.flatMap((s) => keyRates(s, HOT_KEY_RATE))) {
    const id = `${rate.space} ${rate.key}`;
    const seen = merged.get(id);
    merged.set(id, {
      ...rate,
      unitsPerSecond: Math.max(rate.unitsPerSecond, seen?.unitsPerSecond ?? 0),
      unitsPerBatch: Math.max(rate.unitsPerBatch, seen?.unitsPerBatch ?? 0),
    });
  }
  const all = [...merged.values()];
  const sustained = all
    .filter((r) => r.unitsPerSecond > 0)
    .sort((a, b) => b.unitsPerSecond - a.unitsPerSecond);
  const bursts = all.filter((r) => r.unitsPerBatch > 0).sort((a, b) => b.unitsPerBatch - a.unitsPerBatch);
  const max = sustained[0]?.unitsPerSecond ?? 0;
  const counted = table(
    ['space', 'partition key', `WCU/s at ${num(HOT_KEY_RATE)} sends/s`],
    sustained.slice(0, 12).map((r) => [r.space, r.key, num(r.unitsPerSecond, 1)]),
    ['l', 'l'],
  );
  const once = table(
    ['space', 'partition key', 'WCU per batch (largest sample)'],
    bursts.slice(0, 8).map((r) => [r.space, r.key, num(r.unitsPerBatch)]),
    ['l', 'l'],
  );
  const design = samples.map((s) => designRates(s, HOT_KEY_RATE));
  const designTable = table(
    ['key class (key design)', 'WCU per send, each case', `WCU/s per key at ${num(HOT_KEY_RATE)} sends/s`],
    (design[0]?.rows ?? []).map((row, i) => [
      row.key,
      design.map((d) => short(d.rows[i]?.perSend ?? 0)).join(' / '),
      design.map((d) => num(d.rows[i]?.unitsPerSecond ?? 0, 1)).join(' / '),
    ]),
    ['l'],
  );
  const writerLimit = Math.min(...design.map((d) => d.writerRowsPerSecondLimit));
  const writerBeside = Math.min(...design.map((d) => d.writerRowsPerSecondBesideSenders));
  const designMax = Math.max(...design.flatMap((d) => d.rows.map((r) => r.unitsPerSecond)));
  return {
    text: [
      "Counted, per key (the sample's sends fall unevenly on the 8 shards: a small sample spreads worse than 1M):",
      '',
      counted,
      '',
      `From the key design (the per-send units of each key class, spread evenly over its shards); highest ${num(designMax, 1)} WCU/s:`,
      '',
      designTable,
      '',
      'Written once or a few times per batch (a burst when the batch starts or ends, not a rate):',
      '',
      once,
      '',
      `A send item (SEND#<send>) takes 3 writes in its life. The writer has no rate of its own: alone it may write one batch at up to ${num(writerLimit)} rows/s, and at up to ${num(writerBeside)} rows/s while the senders send ${num(HOT_KEY_RATE)}/s, before an index shard passes ${num(HOT_KEY_LIMIT)} WCU/s (averaged over a second; DynamoDB's burst capacity absorbs the bursts of one BatchWriteItem round).`,
    ].join('\n'),
    max: Math.max(max, designMax),
  };
}

async function main() {
  const arg = process.argv[2];
  const recipients = arg === undefined ? 1000 : Number(arg);
  if (!Number.isSafeInteger(recipients) || recipients < 100) {
    throw new Error(`recipients must be an integer ≥ 100, got "${arg}"`);
  }
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const started = performance.now();
  const load = os.loadavg();
  const aws = await billedAs(BENCH, () => startTestAws());
  const meters = meter(aws);
  const samples: { content: (typeof CONTENTS)[number]; rate: number; sample: CampaignSample }[] = [];
  try {
    for (const content of CONTENTS) {
      for (const rate of RATES) {
        const sample = await runCampaign(aws, meters, {
          recipients,
          content: content.kind,
          senderContainers: containersFor(rate),
          chunkRows: Number(SETTINGS.ingestChunkRows.default),
          eventsPerInvocation: eventsPerInvocationAt(rate),
          eventsPerReceive: eventsPerReceiveAt(rate),
          sendsPerSecond: rate,
        });
        console.error(
          `${content.label} at ${rate}/s: ${sample.accepted} sends in ${sample.seconds.total.toFixed(1)} s (${meters.dynamo.verified} item images checked against the emulator so far)`,
        );
        samples.push({ content, rate, sample });
      }
    }
  } finally {
    meters.stop();
    await billedAs(BENCH, () => aws.stop());
  }
  const emf = { sender: await senderEmfBytes(SEND_QUEUE.batchSize), eventsDocument: await eventsEmfBytes() };
  const costs = samples.map(({ content, rate, sample }) =>
    costOf(`${content.label}, ${rate}/s`, sample, rate, emf),
  );
  const small = samples.map(({ content, rate, sample }) =>
    costOf(`${content.label}, ${rate}/s`, sample, rate, emf, PER_THOUSAND_AT[0]),
  );
  const hot = hotKeys(samples.map((s) => s.sample));
  const seconds = (performance.now() - started) / 1000;
  const cpu = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}`;

  const out: string[] = [];
  out.push(`# bench:cost — dollars per ${num(RECIPIENTS)} recipients, excluding SES\n`);
  out.push(
    `Samples of ${num(recipients)} recipients per case through the real code path against the emulators; CPU ${cpu}, Node ${process.version}, load average ${load.map((l) => l.toFixed(1)).join(' ')} at the start; ${num(seconds, 0)} s in all. The sender's metrics document (EMF, Powertools) is ${num(emf.sender)} bytes per invocation of ${SEND_QUEUE.batchSize}, the events function's ${num(emf.eventsDocument)} per event type per invocation. SES's events: ${percent(BOUNCE_SHARE)} of the mails hard-bounce, ${percent(COMPLAINT_SHARE)} draw a complaint (cost-ses-events.ts).\n`,
  );
  out.push(`## Prices (${PRICE_DATE})\n\n${pricesTable()}\n`);
  out.push(`## Model assumptions (what the emulators cannot tell)\n\n${assumptionsTable()}\n`);
  out.push(`## Samples (measured locally)\n\n${samplesTable(costs)}\n`);
  for (const cost of costs.filter((_, i) => i % RATES.length === RATES.length - 1)) {
    out.push(`## DynamoDB calls by step: ${cost.name}\n\n${stepsTable(cost)}\n`);
    out.push(`## SQS and S3 requests: ${cost.name}\n\n${otherRequestsTable(cost)}\n`);
  }
  out.push(`## The rate's effect\n\n${rateTable(costs)}\n`);
  out.push(`## What scales how\n\n${SCALING}\n`);
  out.push(
    `## SES's events: their own cost (${percent(BOUNCE_SHARE)} hard bounces, ${percent(COMPLAINT_SHARE)} complaints)\n\n${eventsTable(costs)}\n`,
  );
  out.push(`## Dollars per ${num(RECIPIENTS)} recipients, excluding SES\n\n${dollarsTable(costs)}\n`);
  out.push(`## Per send, SES's events included\n\n${perSendTable(costs, small)}\n`);
  out.push(
    `## Hot keys: write units per second per partition key at ${num(HOT_KEY_RATE)} sends/s of one batch (writer at the same pace)\n\n${hot.text}\n\nHighest: ${num(hot.max, 1)} WCU/s — target ≤ ${num(HOT_KEY_LIMIT)}: ${hot.max <= HOT_KEY_LIMIT ? 'met' : 'MISSED'}.\n`,
  );
  console.log(out.join('\n'));

  const file = writeBenchResults('cost', {
    recipientsPerSample: recipients,
    sesEventShares: { bounce: BOUNCE_SHARE, complaint: COMPLAINT_SHARE },
    seconds,
    loadAverageAtStart: load,
    priceDate: PRICE_DATE,
    prices: PRICES,
    assumptions: ASSUMPTIONS,
    cases: costs.map((c) => ({
      name: c.name,
      total: c.total,
      lines: c.lines,
      rate: c.rate,
      files: c.files,
      rowsPerFile: c.rowsPerFile,
      perSend: c.perSend,
      events: c.events,
      totalPerThousandAt: Object.fromEntries(
        PER_THOUSAND_AT.map((recipients) => {
          const at = recipients === RECIPIENTS ? c : small[costs.indexOf(c)];
          return [recipients, at ? (at.total / recipients) * 1000 : null];
        }),
      ),
      dynamoSteps: stepsOf(c),
      sample: {
        accepted: c.sample.accepted,
        csvBytes: c.sample.csvBytes,
        chunks: c.sample.chunks,
        senderContainers: c.sample.options.senderContainers,
        seconds: c.sample.seconds,
        cpuSeconds: c.sample.cpuSeconds,
        tableBytes: c.sample.tableBytes,
        indexBytes: c.sample.indexBytes,
        items: c.sample.items,
        s3Bytes: c.sample.s3Bytes,
        logs: c.sample.logs,
        sesEvents: c.sample.sesEvents,
      },
    })),
    hotKeys: { rate: HOT_KEY_RATE, max: hot.max },
  });
  console.log(`written to ${file}`);
}

await main();
