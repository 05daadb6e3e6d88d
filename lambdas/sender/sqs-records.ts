import type { SQSRecord } from 'aws-lambda';

/** How many times SQS has handed this message out, this delivery included. */
export const receiveCountOf = (record: SQSRecord): number =>
  Number(record.attributes?.ApproximateReceiveCount ?? '1') || 1;
