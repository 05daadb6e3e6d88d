import { createReadStream } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { z } from 'zod';
import { GRAPHQL_PATH, LARGE_UPLOAD_PATH, UPLOAD_PATH } from '../lambdas/contract/api-routes.js';

/**
 * The campaign API as its clients see it: HTTP requests to the public routes, answers read by what the
 * OpenAPI document says of them. No AWS SDK and no handler code: what this can do, any client can.
 * Answers are read leniently (unknown fields are kept, not refused), so that a field the API adds later
 * does not break an older client.
 */

/** The header every route but the public ones takes the key in (the document's `apiKey` scheme). */
export const API_KEY_HEADER = 'x-api-key';

const count = z.number().int();

const RejectedRowSchema = z.looseObject({ line: count, reason: z.string(), value: z.string() });
export type RejectedRow = z.infer<typeof RejectedRowSchema>;

const SuppressedRowSchema = z.looseObject({ line: count, email: z.string(), reason: z.string() });
export type SuppressedRow = z.infer<typeof SuppressedRowSchema>;

export const UploadReportSchema = z.looseObject({
  batchId: z.string(),
  received: count,
  accepted: count,
  duplicates: count,
  invalid: count,
  // An API from before the suppression list answers without them.
  suppressed: count.optional(),
  dryRun: z.boolean(),
  encoding: z.string().optional(),
  errors: z.array(RejectedRowSchema).optional(),
  suppressedList: z.array(SuppressedRowSchema).optional(),
});
export type UploadReport = z.infer<typeof UploadReportSchema>;

const LargeUploadSchema = z.looseObject({
  batchId: z.string(),
  uploadUrl: z.string(),
  method: z.string(),
  headers: z.record(z.string(), z.string()),
  expiresAt: z.string(),
});
export type LargeUpload = z.infer<typeof LargeUploadSchema>;

const BatchSchema = z.looseObject({
  batchId: z.string(),
  fileName: z.string().nullish(),
  createdAt: z.string(),
  startedAt: z.string().nullish(),
  finishedAt: z.string().nullish(),
  total: count,
  received: count,
  duplicates: count,
  invalid: count,
  suppressed: count.nullish(),
  dryRun: z.boolean(),
  finished: z.boolean(),
  counts: z.looseObject({ sent: count, error: count }),
});
export type BatchProgress = z.infer<typeof BatchSchema>;

const UploadStateSchema = z.looseObject({
  state: z.string(),
  error: z.looseObject({ code: z.string(), message: z.string(), line: count.nullish() }).nullish(),
});
export type UploadState = z.infer<typeof UploadStateSchema>;

/** A refused request: the status and the JSON the API answered with (`error`, `problem`, …). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    /** Which request: `POST /campaigns/upload`, `PUT <upload URL>`. */
    readonly request: string,
  ) {
    super(
      `${request} answered ${status}: ${typeof body.error === 'string' ? body.error : JSON.stringify(body)}`,
    );
  }
}

/** The API could not be reached at all. */
export class UnreachableApiError extends Error {
  override readonly name = 'UnreachableApiError';
}

/** GraphQL answered with errors. */
export class GraphqlError extends Error {
  override readonly name = 'GraphqlError';
}

/** Bytes of a file as they leave for the network. */
export type UploadProgress = (sentBytes: number) => void;

interface Answer {
  status: number;
  text: string;
}

function readAnswer(response: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () =>
      resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
    );
    response.on('error', reject);
  });
}

/**
 * Streams a file as the body of a request with a known length (a pre-signed PUT is signed for it, and
 * a length lets the API refuse a body that is too large before reading it), telling `onProgress` how
 * much has gone. node:http rather than fetch: fetch cannot send a stream with a Content-Length.
 */
function sendFile(
  url: URL,
  method: string,
  headers: Record<string, string>,
  file: { path: string; size: number },
  onProgress: UploadProgress,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, { method, headers: { ...headers, 'content-length': String(file.size) } });
    request.on('response', (response) => readAnswer(response).then(resolve, reject));
    request.on('error', reject);
    let sent = 0;
    const stream = createReadStream(file.path);
    stream.on('data', (chunk) => {
      sent += chunk.length;
      onProgress(sent);
    });
    stream.on('error', (error) => {
      request.destroy(error);
      reject(error);
    });
    stream.pipe(request);
  });
}

function jsonOf(answer: Answer): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(answer.text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : { value };
  } catch {
    return { error: answer.text.trim().slice(0, 500) || `HTTP ${answer.status}` };
  }
}

export interface ApiClientOptions {
  /** The API's base URL: `http://127.0.0.1:3000`, or the stack's ApiUrl output. */
  apiUrl: string;
  apiKey: string;
}

export class CampaignApi {
  private readonly base: URL;

  constructor(private readonly options: ApiClientOptions) {
    // A base without a trailing slash would drop its last segment (a stage) when paths are resolved.
    this.base = new URL(options.apiUrl.endsWith('/') ? options.apiUrl : `${options.apiUrl}/`);
  }

  private url(path: string): URL {
    return new URL(path.replace(/^\//, ''), this.base);
  }

  private async guard<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ApiError || error instanceof GraphqlError) throw error;
      const cause = error instanceof Error ? ((error.cause as Error | undefined) ?? error) : undefined;
      const code = (cause as { code?: string } | undefined)?.code;
      throw new UnreachableApiError(`cannot reach ${what} (${code ?? cause?.message ?? String(error)})`);
    }
  }

  /** POST /campaigns/upload with the CSV itself as the body: the report of a 202. */
  async uploadDirect(
    file: { path: string; size: number },
    options: { dryRun: boolean; allowDuplicate?: boolean; idempotencyKey?: string },
    onProgress: UploadProgress,
  ): Promise<UploadReport> {
    const url = this.url(UPLOAD_PATH);
    if (options.dryRun) url.searchParams.set('dryRun', 'true');
    if (options.allowDuplicate) url.searchParams.set('allowDuplicate', 'true');
    const request = `POST ${UPLOAD_PATH}`;
    const answer = await this.guard(this.options.apiUrl, () =>
      sendFile(
        url,
        'POST',
        {
          [API_KEY_HEADER]: this.options.apiKey,
          'content-type': 'text/csv',
          accept: 'application/json',
          ...(options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {}),
        },
        file,
        onProgress,
      ),
    );
    if (answer.status !== 202) throw new ApiError(answer.status, jsonOf(answer), request);
    return UploadReportSchema.parse(jsonOf(answer));
  }

  /** POST /campaigns/uploads: a batch id and a pre-signed URL for a file of exactly `size` bytes. */
  async requestLargeUpload(options: {
    fileName: string;
    size: number;
    dryRun: boolean;
  }): Promise<LargeUpload> {
    const request = `POST ${LARGE_UPLOAD_PATH}`;
    const response = await this.guard(this.options.apiUrl, () =>
      fetch(this.url(LARGE_UPLOAD_PATH), {
        method: 'POST',
        headers: {
          [API_KEY_HEADER]: this.options.apiKey,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(options),
      }),
    );
    const answer = { status: response.status, text: await response.text() };
    if (answer.status !== 201) throw new ApiError(answer.status, jsonOf(answer), request);
    return LargeUploadSchema.parse(jsonOf(answer));
  }

  /** The file to the pre-signed URL, with exactly the headers the API gave (they are signed). */
  async putLargeFile(
    upload: LargeUpload,
    file: { path: string; size: number },
    onProgress: UploadProgress,
  ): Promise<void> {
    const url = new URL(upload.uploadUrl);
    const request = `${upload.method} ${url.origin}${url.pathname}`;
    const headers = Object.fromEntries(
      Object.entries(upload.headers).filter(([name]) => name.toLowerCase() !== 'content-length'),
    );
    const answer = await this.guard(url.origin, () =>
      sendFile(url, upload.method, headers, file, onProgress),
    );
    if (answer.status < 200 || answer.status >= 300) {
      // S3 answers in XML: its Code and Message say why.
      const code = /<Code>([^<]*)<\/Code>/.exec(answer.text)?.[1];
      const message = /<Message>([^<]*)<\/Message>/.exec(answer.text)?.[1];
      throw new ApiError(
        answer.status,
        {
          error: message ?? (answer.text.slice(0, 300) || `HTTP ${answer.status}`),
          ...(code ? { problem: code } : {}),
        },
        request,
      );
    }
  }

  private async graphql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    const request = `POST ${GRAPHQL_PATH}`;
    const response = await this.guard(this.options.apiUrl, () =>
      fetch(this.url(GRAPHQL_PATH), {
        method: 'POST',
        headers: {
          [API_KEY_HEADER]: this.options.apiKey,
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json',
        },
        body: JSON.stringify({ query, variables }),
      }),
    );
    const answer = { status: response.status, text: await response.text() };
    const body = jsonOf(answer);
    const errors = Array.isArray(body.errors) ? (body.errors as { message?: unknown }[]) : [];
    if (errors.length > 0) throw new GraphqlError(errors.map((e) => String(e.message)).join('; '));
    if (answer.status !== 200) throw new ApiError(answer.status, body, request);
    return body.data as T;
  }

  /** The batch's counters, as GraphQL `batch` has them; undefined while no batch has this id. */
  async batch(batchId: string): Promise<BatchProgress | undefined> {
    const data = await this.graphql<{ batch: unknown }>(
      `query CampaignProgress($batchId: String!) {
        batch(batchId: $batchId) {
          batchId fileName createdAt startedAt finishedAt total received duplicates invalid suppressed dryRun finished
          counts { sent error }
        }
      }`,
      { batchId },
    );
    return data.batch === null ? undefined : BatchSchema.parse(data.batch);
  }

  /** The rows an upload rejected, as the batch keeps them (its first entries). */
  async rejectedRows(batchId: string): Promise<RejectedRow[]> {
    const data = await this.graphql<{ batch: { report: { errors: unknown } } | null }>(
      `query RejectedRows($batchId: String!) {
        batch(batchId: $batchId) { report { errors { line reason value } } }
      }`,
      { batchId },
    );
    return z.array(RejectedRowSchema).nullish().parse(data.batch?.report.errors) ?? [];
  }

  /** Where the ingest of a large file is; undefined until the file has arrived. */
  async upload(batchId: string): Promise<UploadState | undefined> {
    const data = await this.graphql<{ upload: unknown }>(
      `query LargeUploadState($batchId: String!) {
        upload(batchId: $batchId) { state error { code message line } }
      }`,
      { batchId },
    );
    return data.upload === null ? undefined : UploadStateSchema.parse(data.upload);
  }
}
