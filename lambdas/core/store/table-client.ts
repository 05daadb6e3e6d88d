import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tracer } from '../observability/tracer.js';

/**
 * The DynamoDB client every store of a container shares, created once by the function's entry. The
 * endpoint comes from the standard AWS_ENDPOINT_URL_DYNAMODB variable, which is how the local runner and
 * the tests point the very same code at the emulator. On Lambda each call becomes an X-Ray subsegment.
 */
export function documentClient(
  client = tracer.captureAWSv3Client(new DynamoDBClient({})),
): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * A client with explicit settings, for the tools that run outside a function (the local runner's own
 * plumbing, `npm run apikey`): the raw client (to destroy it) and the document client the stores take.
 */
export function tableClient(config: DynamoDBClientConfig): {
  raw: DynamoDBClient;
  documents: DynamoDBDocumentClient;
} {
  const raw = new DynamoDBClient(config);
  return { raw, documents: documentClient(raw) };
}
