import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/** A continuation of a batch's writing: the writer takes the file up again from its checkpoint. */
export interface WriteContinuation {
  kind: 'continue';
  batchId: string;
  bucket: string;
  key: string;
}

/**
 * Work on a batch's open sends that the writer function does for the control API (issue 15), a page at
 * a time, continued like a file: `release` puts every open send on the send queue (a resumed batch,
 * whose messages were set aside while it was paused); `cancel` ends every open send CANCELLED; `start`
 * starts a scheduled batch (its schedule's trigger). `after` is where a continued job goes on from.
 */
export interface BatchJob {
  kind: 'release' | 'cancel' | 'start';
  batchId: string;
  after?: string;
}

const JOB_KINDS: readonly BatchJob['kind'][] = ['release', 'cancel', 'start'];

/** The batch job a write queue message is, or undefined when it is none (a file, a stranger's message). */
export function batchJobOf(body: string): BatchJob | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { kind, batchId, after } = parsed as Record<string, unknown>;
  if (
    !JOB_KINDS.includes(kind as BatchJob['kind']) ||
    typeof batchId !== 'string' ||
    !/^[\w-]{1,64}$/.test(batchId)
  )
    return undefined;
  return { kind: kind as BatchJob['kind'], batchId, ...(typeof after === 'string' ? { after } : {}) };
}

/** What the writer reads of a write queue message: a file of S3's event, or a continuation. */
export type WriteRequest = { bucket: string; key: string; size?: number };

/**
 * The writer's queue. S3 puts the object-created events of uploaded files on it; the writer puts its
 * own continuation on it when it stops before its time runs out, and the sweeper one for a writer that
 * stopped without (a crash).
 */
export class WriteQueue {
  constructor(
    private readonly sqs: SQSClient,
    readonly queueUrl: string,
  ) {}

  /** Puts a batch job on the queue, after `delaySeconds` (SQS allows 0–900). */
  async runJob(job: BatchJob, delaySeconds = 0): Promise<void> {
    await this.sqs.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(job),
        ...(delaySeconds > 0 ? { DelaySeconds: Math.min(900, Math.round(delaySeconds)) } : {}),
      }),
    );
  }

  async continueWriting(continuation: Omit<WriteContinuation, 'kind'>): Promise<void> {
    const body: WriteContinuation = { kind: 'continue', ...continuation };
    await this.sqs.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(body) }),
    );
  }
}

/** S3 event keys are URL-encoded, with '+' for spaces; a key that does not decode is taken as it came. */
function decodedKey(key: string): string {
  const spaced = key.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/**
 * The files a write queue message names: the records of an S3 event notification (object created), or
 * the one file of a continuation. Anything else (S3's test event when a notification is configured, a
 * stranger's message) names none.
 */
export function writeRequestsOf(body: string): WriteRequest[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null) return [];
  const message = parsed as Record<string, unknown>;
  if (message.kind === 'continue' && typeof message.bucket === 'string' && typeof message.key === 'string') {
    return [{ bucket: message.bucket, key: message.key }];
  }
  if (!Array.isArray(message.Records)) return [];
  return message.Records.flatMap((record: unknown) => {
    const r = record as {
      eventName?: unknown;
      s3?: { bucket?: { name?: unknown }; object?: { key?: unknown; size?: unknown } };
    };
    if (typeof r.eventName !== 'string' || !r.eventName.startsWith('ObjectCreated:')) return [];
    const bucket = r.s3?.bucket?.name;
    const key = r.s3?.object?.key;
    if (typeof bucket !== 'string' || typeof key !== 'string') return [];
    const decoded = decodedKey(key);
    const size = r.s3?.object?.size;
    return [{ bucket, key: decoded, ...(typeof size === 'number' ? { size } : {}) }];
  });
}
