import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  ApiError,
  type BatchProgress,
  CampaignApi,
  type RejectedRow,
  type SuppressedRow,
  type UploadReport,
} from './api-client.js';
import { explain, fileProblemMessage } from './api-messages.js';
import { batchDisplay, batchFigures, formatBytes, formatDuration, uploadDisplay } from './progress.js';
import { DIRECT_UPLOAD_LIMIT, routeFor, type UploadRoute } from './upload-route.js';

/**
 * `npm run campaign -- …`: the marketer's command line. `send FILE` uploads a campaign CSV by the route
 * its size calls for and follows the batch until its last mail is out; `status BATCH` says where a
 * batch is. It is a client of the public API only (cli/api-client.ts).
 */

const LOCAL_API = 'http://127.0.0.1:3000';

interface GlobalOptions {
  apiUrl: string;
  apiKey?: string;
}

/** Raised for what the user must fix: printed as it is, exit code 1. */
class CampaignError extends Error {
  override readonly name = 'CampaignError';
}

function apiOf(options: GlobalOptions): CampaignApi {
  if (!options.apiKey) {
    throw new CampaignError(
      'No API key: give one with --api-key or CAMPAIGN_API_KEY (`npm start` prints a development key; ' +
        '`npm run apikey -- create --name <you> --scopes upload,read` makes one).',
    );
  }
  return new CampaignApi({ apiUrl: options.apiUrl, apiKey: options.apiKey });
}

const positiveInt = (value: string) => {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('a whole number above 0');
  return parsed;
};

const out = (line = '') => process.stdout.write(`${line}\n`);

function printReport(report: UploadReport) {
  const suppressed = report.suppressed ?? 0;
  out(
    `Batch ${report.batchId}: ${report.accepted} of ${report.received} rows accepted, ` +
      `${report.duplicates} duplicate${report.duplicates === 1 ? '' : 's'}, ${report.invalid} invalid` +
      `${suppressed > 0 ? `, ${suppressed} suppressed` : ''}` +
      `${report.dryRun ? ' (dry run: no mail goes to SES)' : ''}.`,
  );
  printRejected(report.errors ?? [], report.invalid);
  printSuppressed(report.suppressedList ?? [], suppressed);
}

/** The first rows left out for an address on the suppression list, with their line and its reason. */
function printSuppressed(rows: readonly SuppressedRow[], suppressed: number) {
  for (const row of rows.slice(0, 10)) out(`  line ${row.line}: ${row.email} is suppressed (${row.reason})`);
  if (suppressed > 10) out(`  … and ${suppressed - 10} more suppressed addresses`);
}

/** The first rejected rows, with their line and why. */
function printRejected(rows: readonly RejectedRow[], invalid: number) {
  for (const row of rows.slice(0, 10))
    out(`  line ${row.line}: ${row.reason} (${JSON.stringify(row.value)})`);
  if (invalid > 10) out(`  … and ${invalid - 10} more rejected rows`);
}

/**
 * Ctrl-C detaches: the first one lets what is under way finish on the API's side (an upload already
 * sent is still answered, so that its batch id can be told) and stops following; a second one leaves at
 * once.
 */
interface Interrupt {
  readonly signal: AbortSignal;
  readonly detached: boolean;
  release(): void;
}

function detachOnInterrupt(): Interrupt {
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) {
      process.stderr.write('\nLeft at once: an upload under way may or may not have arrived.\n');
      process.exit(130);
    }
    process.stderr.write('\nDetaching (Ctrl-C again to leave at once)…\n');
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  return {
    signal: controller.signal,
    get detached() {
      return controller.signal.aborted;
    },
    release: () => process.off('SIGINT', onInterrupt),
  };
}

const detachedLine = (batchId: string) =>
  `Detached: batch ${batchId} goes on sending. See where it is with: npm run campaign -- status ${batchId}`;

async function pause(ms: number, signal: AbortSignal) {
  await wait(ms, undefined, { signal }).catch(() => {});
}

/** Follows a batch with a live bar until it finishes or the user detaches. */
async function follow(
  api: CampaignApi,
  batchId: string,
  intervalMs: number,
  interrupt: Interrupt,
): Promise<void> {
  const display = batchDisplay(batchId, { stream: process.stderr });
  let last: BatchProgress | undefined;
  try {
    while (!interrupt.detached) {
      last = await api.batch(batchId);
      if (last) {
        display.update(batchFigures(last, new Date()));
        if (last.finished) break;
      }
      await pause(intervalMs, interrupt.signal);
    }
  } finally {
    display.stop();
  }
  if (interrupt.detached) {
    out(detachedLine(batchId));
    return;
  }
  if (last) {
    const figures = batchFigures(last, new Date());
    const took =
      last.startedAt && last.finishedAt
        ? ` in ${formatDuration((Date.parse(last.finishedAt) - Date.parse(last.startedAt)) / 1000)} (${figures.rate.toFixed(1)} mails/s)`
        : '';
    out(`Finished: ${figures.sent} sent, ${figures.errors} failed${took}.`);
    if (figures.errors > 0) {
      out(
        `The failed sends and why: GraphQL batch(batchId: "${batchId}") { sends(status: "ERROR") { items { email errorCode errorMessage } } }`,
      );
    }
  }
}

/** Waits until the S3 ingest has read a large file: its batch exists, or the file was refused. */
async function awaitIngest(
  api: CampaignApi,
  batchId: string,
  intervalMs: number,
  interrupt: Interrupt,
): Promise<'read' | 'detached'> {
  process.stderr.write('Waiting for the file to be read…\n');
  while (!interrupt.detached) {
    const upload = await api.upload(batchId);
    if (upload?.state === 'FAILED') {
      const error = upload.error;
      throw new CampaignError(
        [
          error ? (fileProblemMessage(error.code) ?? 'The file was refused.') : 'The file was refused.',
          error ? `The API says: ${error.message}${error.line ? ` (line ${error.line})` : ''}` : undefined,
          'Nothing was sent.',
        ]
          .filter(Boolean)
          .join('\n'),
      );
    }
    if (upload?.state === 'DONE') return 'read';
    await pause(intervalMs, interrupt.signal);
  }
  return 'detached';
}

interface SendOptions {
  dryRun: boolean;
  allowDuplicate: boolean;
  route: UploadRoute | 'auto';
  follow: boolean;
  idempotencyKey?: string;
  interval: number;
}

async function send(path: string, options: SendOptions, global: GlobalOptions) {
  const api = apiOf(global);
  const info = await stat(path).catch(() => undefined);
  if (!info?.isFile()) throw new CampaignError(`No such file: ${path}`);
  const file = { path, size: info.size };
  const fileName = basename(path);
  let route = routeFor(file.size, options.route);
  let batchId: string | undefined;
  const interrupt = detachOnInterrupt();
  try {
    if (route === 'direct') {
      const display = uploadDisplay(fileName, file.size, { stream: process.stderr });
      try {
        const report = await api.uploadDirect(
          file,
          {
            dryRun: options.dryRun,
            allowDuplicate: options.allowDuplicate,
            ...(options.idempotencyKey ? { idempotencyKey: options.idempotencyKey } : {}),
          },
          display.update,
        );
        display.stop();
        printReport(report);
        batchId = report.batchId;
      } catch (error) {
        display.stop();
        // The API takes less than this client assumed (MAX_UPLOAD_BYTES is configurable): the other route.
        if (
          !(
            options.route === 'auto' &&
            error instanceof ApiError &&
            error.status === 413 &&
            error.body.problem === undefined
          )
        ) {
          throw error;
        }
        out(
          `The API takes at most ${formatBytes(Number(error.body.maxBytes))} directly: uploading as a large file.`,
        );
        route = 'large';
      }
    }
    if (route === 'large') {
      const upload = await api.requestLargeUpload({ fileName, size: file.size, dryRun: options.dryRun });
      const display = uploadDisplay(fileName, file.size, { stream: process.stderr });
      try {
        await api.putLargeFile(upload, file, display.update);
      } finally {
        display.stop();
      }
      batchId = upload.batchId;
      out(
        `Uploaded ${fileName} (${formatBytes(file.size)}) as batch ${batchId}${options.dryRun ? ' (dry run)' : ''}.`,
      );
      if (!options.follow) return;
      if (
        interrupt.detached ||
        (await awaitIngest(api, batchId, options.interval, interrupt)) === 'detached'
      ) {
        out(detachedLine(batchId));
        return;
      }
      const batch = await api.batch(batchId);
      if (batch) {
        out(
          `Batch ${batchId}: ${batch.total} of ${batch.received} rows accepted, ${batch.duplicates} duplicates, ${batch.invalid} invalid${batch.suppressed ? `, ${batch.suppressed} suppressed` : ''}.`,
        );
        if (batch.invalid > 0) printRejected(await api.rejectedRows(batchId), batch.invalid);
      }
    }
    if (batchId && interrupt.detached) out(detachedLine(batchId));
    else if (batchId && options.follow) await follow(api, batchId, options.interval, interrupt);
  } finally {
    interrupt.release();
  }
}

async function status(
  batchId: string,
  options: { follow: boolean; interval: number },
  global: GlobalOptions,
) {
  const api = apiOf(global);
  const batch = await api.batch(batchId);
  if (!batch) {
    const upload = await api.upload(batchId);
    if (!upload) {
      throw new CampaignError(
        `No batch ${batchId}: no upload created it, or a large file sent for it has not arrived yet.`,
      );
    }
    out(`Large file ${batchId}: ${upload.state}`);
    if (upload.error)
      out(`  ${fileProblemMessage(upload.error.code) ?? upload.error.code}: ${upload.error.message}`);
    return;
  }
  const figures = batchFigures(batch, new Date());
  out(
    `Batch ${batch.batchId}${batch.fileName ? ` (${batch.fileName})` : ''}, uploaded ${batch.createdAt}${batch.dryRun ? ', dry run' : ''}`,
  );
  out(
    `  ${batch.total} recipients: ${figures.sent} sent, ${figures.errors} failed, ${batch.total - figures.done} to go` +
      (batch.suppressed
        ? ` (${batch.duplicates} duplicate, ${batch.invalid} invalid and ${batch.suppressed} suppressed rows left out)`
        : ` (${batch.duplicates} duplicate and ${batch.invalid} invalid rows left out)`),
  );
  if (batch.finished) {
    out(
      `  finished ${batch.finishedAt ?? ''}${figures.rate > 0 ? ` at ${figures.rate.toFixed(1)} mails/s` : ''}`,
    );
  } else {
    out(
      `  sending${batch.startedAt ? ` since ${batch.startedAt}` : ' not started yet'}${figures.rate > 0 ? `, ${figures.rate.toFixed(1)} mails/s, about ${formatDuration(figures.secondsLeft)} left` : ''}`,
    );
    if (options.follow) {
      const interrupt = detachOnInterrupt();
      try {
        await follow(api, batchId, options.interval, interrupt);
      } finally {
        interrupt.release();
      }
    }
  }
}

const program = new Command('campaign')
  .description(
    'Send campaign CSV files through the campaign mailer API and follow them until every mail is out.',
  )
  .addOption(new Option('--api-url <url>', 'the API').env('CAMPAIGN_API_URL').default(LOCAL_API))
  .addOption(
    new Option('--api-key <key>', 'an API key (upload scope to send, read scope to follow)').env(
      'CAMPAIGN_API_KEY',
    ),
  )
  .showHelpAfterError();

const interval = () =>
  new Option('--interval <ms>', 'how often to ask for progress').argParser(positiveInt).default(1000);

program
  .command('send')
  .description(
    'upload a campaign file and follow it until the last mail is out (Ctrl-C detaches: the campaign goes on)',
  )
  .argument('<file>', 'the CSV: email, subject and content columns, one row per recipient')
  .option('--dry-run', 'rehearse: the sends are marked SENT without any mail going out', false)
  .option(
    '--allow-duplicate',
    'send a file again that was sent in the last 24 hours (a direct upload refuses it otherwise)',
    false,
  )
  .addOption(
    new Option(
      '--route <route>',
      `direct: POST /campaigns/upload (up to ${formatBytes(DIRECT_UPLOAD_LIMIT)}); large: a pre-signed upload; auto: by size`,
    )
      .choices(['auto', 'direct', 'large'])
      .default('auto'),
  )
  .option('--no-follow', 'stop once the file is uploaded')
  .option(
    '--idempotency-key <key>',
    'makes a retried direct upload safe: the same key and file give the first answer',
  )
  .addOption(interval())
  .action((file: string, options: SendOptions) => send(file, options, program.opts<GlobalOptions>()));

program
  .command('status')
  .description('where a batch is: mails sent, failed and to go; with --follow, a live bar until it finishes')
  .argument('<batchId>', 'the batch id an upload answered')
  .option('--follow', 'follow it until it finishes (Ctrl-C detaches)', false)
  .addOption(interval())
  .action((batchId: string, options: { follow: boolean; interval: number }) =>
    status(batchId, options, program.opts<GlobalOptions>()),
  );

try {
  await program.parseAsync();
} catch (error) {
  process.stderr.write(`${explain(error)}\n`);
  process.exitCode = 1;
}
