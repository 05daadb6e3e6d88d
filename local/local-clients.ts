import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableClient } from '../lambdas/core/store/table-client.js';
import type { EmulatorEndpoints } from './emulators.js';

/** Credentials that only an emulator accepts: local mode never holds real ones. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
export const LOCAL_REGION = 'us-east-1';

export interface LocalClients {
  dynamodb: DynamoDBClient;
  documents: DynamoDBDocumentClient;
  sqs: SQSClient;
  ses: SESv2Client;
  destroy(): void;
}

/** SDK clients pointed explicitly at the emulators, for tests and the runner's own plumbing. */
export function localClients(endpoints: EmulatorEndpoints): LocalClients {
  const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const table = tableClient({ ...common, endpoint: endpoints.dynamodb });
  const dynamodb = table.raw;
  const sqs = new SQSClient({ ...common, endpoint: endpoints.sqs });
  const ses = new SESv2Client({ ...common, endpoint: endpoints.sesv2 });
  return {
    dynamodb,
    documents: table.documents,
    sqs,
    ses,
    destroy: () => {
      dynamodb.destroy();
      sqs.destroy();
      ses.destroy();
    },
  };
}
