import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SuppressionStore } from '../../lambdas/core/store/suppression-store.js';
import { documentClient } from '../../lambdas/core/store/table-client.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/local-clients.js';
import { liveRunnerState } from '../../local/runner-state.js';
import type { SesStoredMail } from '../helpers/aws-emulators.js';
import { graphql, runnerForThisFile } from '../helpers/local-runner-process.js';
import { pollUntil } from '../helpers/poll.js';

/**
 * One-click unsubscribe through `npm start`, driven over HTTP as a recipient's mail client drives it:
 * the link is read from the List-Unsubscribe header of a mail in the SES emulator's store, and POSTed
 * the way RFC 8058 has a client do it, with no API key. The suppression list is read from the runner's
 * own table.
 */

const local = runnerForThisFile();
let dynamodb: DynamoDBClient;
let suppressions: SuppressionStore;

beforeAll(() => {
  const state = liveRunnerState(local.dataDir);
  if (state === undefined) throw new Error(`the runner wrote no state in ${local.dataDir}`);
  dynamodb = new DynamoDBClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: state.dynamodbEndpoint,
  });
  suppressions = new SuppressionStore(documentClient(dynamodb), state.tableName);
});
afterAll(() => dynamodb?.destroy());

async function mails(): Promise<SesStoredMail[]> {
  const response = await fetch(`${local.runner.mailViewerUrl}/store`);
  return ((await response.json()) as { emails: SesStoredMail[] }).emails;
}

const mailsTo = async (address: string) =>
  (await mails()).filter((mail) => mail.destination.to[0] === address);

/** Uploads a campaign over HTTP and waits until every send of it is done with (finished). */
async function sendCampaign(csv: string): Promise<string> {
  const response = await fetch(`${local.runner.apiUrl}/campaigns/upload?allowDuplicate=true`, {
    method: 'POST',
    headers: { 'x-api-key': local.runner.apiKey, 'content-type': 'text/csv' },
    body: csv,
  });
  expect(response.status).toBe(202);
  const { batchId } = (await response.json()) as { batchId: string };
  await pollUntil(
    `batch ${batchId} to finish`,
    () =>
      graphql<{ batch: { finished: boolean } | null }>(
        local.runner,
        'query($id: String!) { batch(batchId: $id) { finished } }',
        { id: batchId },
      ),
    (seen) => seen.batch?.finished === true,
  );
  return batchId;
}

const CAMPAIGN =
  'email,subject,content\n' +
  'ana@example.com,Spring news,"<p>Hello Ana. <a href=""{{unsubscribe_url}}"">Unsubscribe</a></p>"\n' +
  'ben@example.com,Spring news,"<p>Hello Ben. <a href=""{{unsubscribe_url}}"">Unsubscribe</a></p>"\n';

/** The HTTPS link of a mail's List-Unsubscribe header. */
function unsubscribeLinkOf(mail: SesStoredMail): string {
  const header = mail.headers?.find((h) => h.name === 'List-Unsubscribe')?.value ?? '';
  const link = /^<(http[^>]+)>/.exec(header)?.[1];
  if (link === undefined) throw new Error(`no unsubscribe link in ${JSON.stringify(mail.headers)}`);
  return link;
}

describe('one-click unsubscribe through the local runner', () => {
  it('suppresses the address of a mail whose List-Unsubscribe link is POSTed as a mail client does; a GET does not', async () => {
    await sendCampaign(CAMPAIGN);
    const [mail] = await mailsTo('ana@example.com');
    if (mail === undefined) throw new Error('no mail to ana@example.com');
    expect(mail.headers).toContainEqual({
      name: 'List-Unsubscribe-Post',
      value: 'List-Unsubscribe=One-Click',
    });
    const link = unsubscribeLinkOf(mail);
    expect(link.startsWith(`${local.runner.apiUrl}/unsubscribe/`)).toBe(true);
    // The body's {{unsubscribe_url}} is the same link.
    expect(mail.body.html).toContain(`<a href="${link}">Unsubscribe</a>`);

    // A mail scanner opening the link: a page, and nothing changes.
    const opened = await fetch(link);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain('<form method="post">');
    expect(await suppressions.get('ana@example.com')).toBeUndefined();

    // The mail client's one click: no key, the RFC 8058 body.
    const clicked = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect([clicked.status, await clicked.text()]).toEqual([
      200,
      'You are unsubscribed. You will get no more campaign mails at this address.\n',
    ]);
    expect(await suppressions.get('ana@example.com')).toMatchObject({
      email: 'ana@example.com',
      reason: 'UNSUBSCRIBED',
    });
    expect(await suppressions.get('ben@example.com')).toBeUndefined();

    // The next campaign to both mails Ben only.
    await sendCampaign(CAMPAIGN);
    expect(await mailsTo('ben@example.com')).toHaveLength(2);
    expect(await mailsTo('ana@example.com')).toHaveLength(1);
  });

  it('answers a forged or altered link with a plain 404 and changes nothing', async () => {
    await sendCampaign('email,subject,content\ncarl@example.com,Hi,Hello\n');
    const [mail] = await mailsTo('carl@example.com');
    if (mail === undefined) throw new Error('no mail to carl@example.com');
    const link = unsubscribeLinkOf(mail);
    const altered = `${link.slice(0, -1)}${link.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [altered, `${local.runner.apiUrl}/unsubscribe/forged`]) {
      const answer = await fetch(bad, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      expect([answer.status, await answer.text()]).toEqual([404, 'Not found\n']);
    }
    expect(await suppressions.get('carl@example.com')).toBeUndefined();
  });
});
