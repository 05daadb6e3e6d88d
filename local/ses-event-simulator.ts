import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { eventBridgeEvent, sesEventRecord, type TakenMail } from './ses-event-records.js';
import { simulatedEventsFor } from './ses-mailbox-simulator.js';

/**
 * SES's event publishing, locally: the functions' SES endpoint, in front of the SES emulator (embedded or
 * another process, AWS_ENDPOINT_URL_SESV2). Every request goes through to the emulator unchanged; for
 * each mail the emulator accepts with the configuration set, the events SES would publish (Send, then what
 * the mailbox simulator's address says: ses-mailbox-simulator.ts) go on the events queue, a second or two
 * later, in EventBridge's envelope, for the events function, as the stack's rule puts them there.
 *
 * Why in front of the emulator, and not reading its `GET /store`: the store keeps each mail's addresses,
 * subject, body and headers but drops the request's message tags (aws-ses-v2-local 2.10), and the tags
 * are how an event names its send. The request has them, and the emulator's answer the message id; each
 * accepted request is seen once, so no mail publishes its events twice.
 */
export interface SesEventSimulatorOptions {
  /** The SES endpoint the requests go on to. */
  target: string;
  host: string;
  sqs: SQSClient;
  /** The events queue. */
  queueUrl: string;
  /** As on SES, only mails sent with this configuration set publish events. */
  configurationSet: string;
  onError?: (error: unknown) => void;
}

export interface RunningSesEventSimulator {
  /** Where the functions' SES client goes (AWS_ENDPOINT_URL_SESV2). */
  endpoint: string;
  stop(): Promise<void>;
}

interface PendingEvent {
  dueAt: number;
  body: string;
}

/** SES v2 SendEmail. */
const SEND_EMAIL_PATH = '/v2/email/outbound-emails';
const TICK_MS = 100;
/** Events waiting for their time, at most: a runaway campaign must not grow the runner's memory without end. */
const MAX_PENDING = 50_000;
/** SQS SendMessageBatch's limit. */
const BATCH = 10;
/** Headers the forwarding sets itself (fetch decodes a compressed body, and knows the length it sends). */
const HOP_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'content-encoding',
]);

interface SendEmailRequest {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[] };
  EmailTags?: { Name?: string; Value?: string }[];
  ConfigurationSetName?: string;
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseJson<T>(bytes: Buffer): T | undefined {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The mail an accepted SendEmail request made, from the request and the emulator's answer. */
function takenMail(request: Buffer, answer: Buffer, at: Date): TakenMail | undefined {
  const sent = parseJson<SendEmailRequest>(request);
  const messageId = parseJson<{ MessageId?: string }>(answer)?.MessageId;
  const to = sent?.Destination?.ToAddresses ?? [];
  if (!sent || !messageId || to.length === 0) return undefined;
  const tags: Record<string, string> = {};
  for (const tag of sent.EmailTags ?? []) if (tag.Name && tag.Value) tags[tag.Name] = tag.Value;
  return {
    messageId,
    from: sent.FromEmailAddress ?? '',
    to,
    tags,
    ...(sent.ConfigurationSetName ? { configurationSet: sent.ConfigurationSetName } : {}),
    sentAt: at,
  };
}

export async function startSesEventSimulator(
  options: SesEventSimulatorOptions,
): Promise<RunningSesEventSimulator> {
  let pending: PendingEvent[] = [];
  let dropped = 0;

  const publish = (mail: TakenMail) => {
    if (mail.configurationSet !== options.configurationSet) return;
    for (const { event, afterMs } of simulatedEventsFor(mail.to[0] ?? '')) {
      if (pending.length >= MAX_PENDING) {
        if (dropped++ === 0)
          options.onError?.(new Error('local SES events: too many waiting, dropping some'));
        continue;
      }
      const at = new Date(mail.sentAt.getTime() + afterMs);
      const record = sesEventRecord(mail, event, at);
      pending.push({
        dueAt: at.getTime(),
        body: JSON.stringify(eventBridgeEvent(event.type, record, at, mail.configurationSet)),
      });
    }
  };

  const forward = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await bodyOf(request);
    const headers = Object.entries(request.headers).flatMap(([name, value]) =>
      typeof value === 'string' && !HOP_HEADERS.has(name) ? [[name, value] as [string, string]] : [],
    );
    let answer: Response;
    try {
      // Signed headers (authorization, x-amz-*) reach the emulator unchanged; it checks no signature.
      answer = await fetch(`${options.target}${request.url ?? '/'}`, {
        method: request.method ?? 'GET',
        headers,
        ...(body.length > 0 ? { body: new Uint8Array(body) } : {}),
      });
    } catch (error) {
      response.writeHead(502, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: `the SES endpoint ${options.target} did not answer` }));
      options.onError?.(error);
      return;
    }
    const answered = Buffer.from(await answer.arrayBuffer());
    response.writeHead(
      answer.status,
      Object.fromEntries([...answer.headers].filter(([name]) => !HOP_HEADERS.has(name))),
    );
    response.end(answered);
    if (request.method === 'POST' && request.url === SEND_EMAIL_PATH && answer.status === 200) {
      const mail = takenMail(body, answered, new Date());
      if (mail) publish(mail);
    }
  };

  const server: Server = createServer((request, response) => {
    forward(request, response).catch((error: unknown) => {
      options.onError?.(error);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host, resolve);
  });

  // One tick at a time: the events due go on the queue in the order they were due, ten per request.
  let ticking = false;
  const tick = async () => {
    if (ticking) return;
    ticking = true;
    try {
      const now = Date.now();
      const due = pending.filter((p) => p.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt);
      if (due.length === 0) return;
      pending = pending.filter((p) => p.dueAt > now);
      for (let i = 0; i < due.length; i += BATCH) {
        const entries = due.slice(i, i + BATCH).map((p) => ({ Id: randomUUID(), MessageBody: p.body }));
        const out = await options.sqs.send(
          new SendMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: entries }),
        );
        if (out.Failed?.length)
          options.onError?.(new Error(`local SES events: ${out.Failed.length} not queued`));
      }
    } catch (error) {
      options.onError?.(error);
    } finally {
      ticking = false;
    }
  };
  const timer = setInterval(() => void tick(), TICK_MS);

  return {
    endpoint: `http://${options.host}:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      clearInterval(timer);
      pending = [];
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
