import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from '../observability/tracer.js';

/**
 * SQS, SES and EventBridge Scheduler clients, created once per container and handed to the adapters (the DynamoDB client is
 * the store's: lambdas/core/store/table-client.ts). Endpoints come from the standard
 * AWS_ENDPOINT_URL_SQS / _SESV2 / _SCHEDULER variables, which is how the local runner and the tests point the very
 * same code at the emulators. On Lambda each call becomes an X-Ray subsegment.
 */
export const sqsClient = () => tracer.captureAWSv3Client(new SQSClient({}));
export const sesClient = () => tracer.captureAWSv3Client(new SESv2Client({}));
export const schedulerClient = () => tracer.captureAWSv3Client(new SchedulerClient({}));
