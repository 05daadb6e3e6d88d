import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../observability/tracer.js';

/**
 * SDK clients, created once per container and handed to the stores. Endpoints come from the
 * standard AWS_ENDPOINT_URL_DYNAMODB / _SQS / _SESV2 variables, which is how the local runner and
 * the tests point the very same code at the emulators. On Lambda each call becomes an X-Ray subsegment.
 */
export function documentClient(
  client = tracer.captureAWSv3Client(new DynamoDBClient({})),
): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export const sqsClient = () => tracer.captureAWSv3Client(new SQSClient({}));
export const sesClient = () => tracer.captureAWSv3Client(new SESv2Client({}));
