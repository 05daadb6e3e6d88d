import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetQueueUrlCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';

/**
 * EventBridge Scheduler's one-time schedules, for the local runner and the tests: the four calls of its
 * REST API the functions make (CreateSchedule, UpdateSchedule, DeleteSchedule, GetSchedule), so that the
 * same code runs against it through `AWS_ENDPOINT_URL_SCHEDULER`, and a timer that, at an `at(…)`
 * schedule's time, does what Scheduler's SQS target does: sends the target's Input to the queue its ARN
 * names. Schedules live in memory: the sweeper starts a batch whose schedule a restart lost
 * (sweep-batches.ts), as it does on AWS for a schedule that failed to fire.
 */
export interface RunningScheduler {
  endpoint: string;
  /** The schedules waiting, by name (a test reads them). */
  pending(): { name: string; at: Date; input: string }[];
  stop(): Promise<void>;
}

interface Schedule {
  name: string;
  group: string;
  at: Date;
  queueArn: string;
  input: string;
  deleteAfter: boolean;
  timer?: NodeJS.Timeout;
}

/** setTimeout waits at most 2^31-1 ms (24.8 days); a later schedule is re-armed on the way. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const AT_EXPRESSION = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/;

class SchedulerError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

async function bodyOf(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  const parsed: unknown = JSON.parse(text);
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}

function scheduleOf(name: string, body: Record<string, unknown>): Schedule {
  const expression = String(body.ScheduleExpression ?? '');
  const match = AT_EXPRESSION.exec(expression);
  if (!match)
    throw new SchedulerError(
      400,
      'ValidationException',
      `only at(...) schedules are emulated: ${expression}`,
    );
  if (body.ScheduleExpressionTimezone !== undefined && body.ScheduleExpressionTimezone !== 'UTC')
    throw new SchedulerError(400, 'ValidationException', 'only UTC schedules are emulated');
  const target = (body.Target ?? {}) as Record<string, unknown>;
  if (typeof target.Arn !== 'string' || !target.Arn.startsWith('arn:aws:sqs:'))
    throw new SchedulerError(400, 'ValidationException', 'only SQS targets are emulated');
  return {
    name,
    group: typeof body.GroupName === 'string' ? body.GroupName : 'default',
    at: new Date(`${match[1]}Z`),
    queueArn: target.Arn,
    input: typeof target.Input === 'string' ? target.Input : '',
    deleteAfter: body.ActionAfterCompletion === 'DELETE',
  };
}

export async function startSchedulerEmulator(
  sqs: SQSClient,
  options: { host?: string; now?: () => number } = {},
): Promise<RunningScheduler> {
  const now = options.now ?? Date.now;
  const schedules = new Map<string, Schedule>();
  const keyOf = (group: string, name: string) => `${group}/${name}`;

  const fire = async (schedule: Schedule) => {
    try {
      const queueName = schedule.queueArn.split(':').at(-1) ?? '';
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: schedule.input }));
    } catch (error) {
      // Scheduler retries a failed delivery; here the sweeper's start of an overdue batch stands in.
      console.error(`schedule ${schedule.name} could not reach its queue:`, error);
    }
    if (schedule.deleteAfter) schedules.delete(keyOf(schedule.group, schedule.name));
  };
  const arm = (schedule: Schedule) => {
    clearTimeout(schedule.timer);
    const wait = schedule.at.getTime() - now();
    schedule.timer = setTimeout(
      () => (wait > MAX_TIMER_MS ? arm(schedule) : void fire(schedule)),
      Math.max(0, Math.min(wait, MAX_TIMER_MS)),
    );
    schedule.timer.unref();
  };

  const handle = async (request: IncomingMessage): Promise<unknown> => {
    const url = new URL(request.url ?? '/', 'http://scheduler');
    const name = /^\/schedules\/([^/]+)$/.exec(url.pathname)?.[1];
    if (name === undefined)
      throw new SchedulerError(404, 'ResourceNotFoundException', `no route ${url.pathname}`);
    const decoded = decodeURIComponent(name);
    const body = request.method === 'POST' || request.method === 'PUT' ? await bodyOf(request) : {};
    const group =
      (typeof body.GroupName === 'string' ? body.GroupName : undefined) ??
      url.searchParams.get('groupName') ??
      'default';
    const key = keyOf(group, decoded);
    const arn = `arn:aws:scheduler:us-east-1:000000000000:schedule/${group}/${decoded}`;
    switch (request.method) {
      case 'POST': {
        if (schedules.has(key))
          throw new SchedulerError(409, 'ConflictException', `schedule ${decoded} exists`);
        const schedule = scheduleOf(decoded, body);
        schedules.set(key, schedule);
        arm(schedule);
        return { ScheduleArn: arn };
      }
      case 'PUT': {
        const existing = schedules.get(key);
        if (!existing) throw new SchedulerError(404, 'ResourceNotFoundException', `no schedule ${decoded}`);
        clearTimeout(existing.timer);
        const schedule = scheduleOf(decoded, body);
        schedules.set(key, schedule);
        arm(schedule);
        return { ScheduleArn: arn };
      }
      case 'DELETE': {
        const existing = schedules.get(key);
        if (!existing) throw new SchedulerError(404, 'ResourceNotFoundException', `no schedule ${decoded}`);
        clearTimeout(existing.timer);
        schedules.delete(key);
        return {};
      }
      case 'GET': {
        const existing = schedules.get(key);
        if (!existing) throw new SchedulerError(404, 'ResourceNotFoundException', `no schedule ${decoded}`);
        return {
          Arn: arn,
          Name: decoded,
          GroupName: group,
          ScheduleExpression: `at(${existing.at.toISOString().slice(0, 19)})`,
          Target: { Arn: existing.queueArn, Input: existing.input },
        };
      }
      default:
        throw new SchedulerError(405, 'ValidationException', `method ${request.method}`);
    }
  };

  const server: Server = createServer((request, response) => {
    handle(request)
      .then((answer) => {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify(answer));
      })
      .catch((error: unknown) => {
        const status = error instanceof SchedulerError ? error.status : 500;
        const type = error instanceof SchedulerError ? error.type : 'InternalServerException';
        response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-errortype': type });
        response.end(JSON.stringify({ Message: error instanceof Error ? error.message : String(error) }));
      });
  });
  server.listen(0, options.host ?? '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://${options.host ?? '127.0.0.1'}:${port}`,
    pending: () => [...schedules.values()].map((s) => ({ name: s.name, at: s.at, input: s.input })),
    stop: async () => {
      for (const schedule of schedules.values()) clearTimeout(schedule.timer);
      schedules.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
