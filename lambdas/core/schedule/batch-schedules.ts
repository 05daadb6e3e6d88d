import {
  ConflictException,
  CreateScheduleCommand,
  DeleteScheduleCommand,
  ResourceNotFoundException,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import type { BatchJob } from '../queue/write-queue.js';

/** Where a batch's schedule sends its start: the write queue, through a role the scheduler assumes. */
export interface ScheduleTarget {
  /** EventBridge Scheduler's schedule group of this stack. */
  groupName: string;
  /** The write queue's ARN: the schedule puts the batch's start job (write-queue.ts) on it. */
  queueArn: string;
  /** The role EventBridge Scheduler assumes to send to the queue. */
  roleArn: string;
}

/** The schedules of scheduled batches: one-time triggers at each batch's sendAt. */
export interface BatchSchedules {
  /** Creates the batch's schedule, or moves it to `sendAt` when it exists (a reschedule). */
  set(batchId: string, sendAt: string): Promise<void>;
  /** Removes the batch's schedule; a schedule already gone (it fired, or never was) is no error. */
  remove(batchId: string): Promise<void>;
}

/** A schedule's name: unique per batch, within Scheduler's 64 characters. */
export const scheduleNameOf = (batchId: string) => `batch-${batchId}`.slice(0, 64);

/**
 * Scheduler's one-time expression: `at(yyyy-mm-ddThh:mm:ss)`, read in the schedule's zone (UTC here), at
 * the whole second on or after sendAt: a start that came before sendAt's milliseconds would be dropped
 * as not due (batch-jobs.ts).
 */
export const atExpressionOf = (sendAt: string) =>
  `at(${new Date(Math.ceil(Date.parse(sendAt) / 1000) * 1000).toISOString().slice(0, 19)})`;

/**
 * Batch schedules on EventBridge Scheduler: a one-time schedule per scheduled batch whose target is the
 * write queue (a universal SQS target: no function of ours runs to trigger it), deleted by Scheduler
 * once it has run. Its message is the batch's start job, which the writer runs. A schedule that fails to
 * fire is caught by the sweeper, which starts a batch whose time has passed (sweep-batches.ts).
 */
export class SchedulerBatchSchedules implements BatchSchedules {
  constructor(
    private readonly scheduler: SchedulerClient,
    private readonly target: ScheduleTarget,
  ) {}

  async set(batchId: string, sendAt: string): Promise<void> {
    const job: BatchJob = { kind: 'start', batchId };
    const schedule = {
      Name: scheduleNameOf(batchId),
      GroupName: this.target.groupName,
      ScheduleExpression: atExpressionOf(sendAt),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' as const },
      ActionAfterCompletion: 'DELETE' as const,
      Target: {
        Arn: this.target.queueArn,
        RoleArn: this.target.roleArn,
        Input: JSON.stringify(job),
        // A start that could not be delivered at its time is retried for an hour; the sweeper after that.
        RetryPolicy: { MaximumEventAgeInSeconds: 3600, MaximumRetryAttempts: 185 },
      },
    };
    try {
      await this.scheduler.send(new CreateScheduleCommand(schedule));
    } catch (error) {
      if (!(error instanceof ConflictException)) throw error;
      await this.scheduler.send(new UpdateScheduleCommand(schedule));
    }
  }

  async remove(batchId: string): Promise<void> {
    try {
      await this.scheduler.send(
        new DeleteScheduleCommand({ Name: scheduleNameOf(batchId), GroupName: this.target.groupName }),
      );
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
}
