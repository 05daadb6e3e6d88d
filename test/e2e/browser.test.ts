import { readFileSync } from 'node:fs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Page } from 'puppeteer-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { SuppressionStore } from '../../lambdas/core/store/suppression-store.js';
import { documentClient } from '../../lambdas/core/store/table-client.js';
import { EXAMPLES } from '../../lambdas/graphql/example-queries.js';
import { NO_KEY_HINT } from '../../lambdas/graphql/offline-graphiql.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/local-clients.js';
import { liveRunnerState } from '../../local/runner-state.js';
import { browserForThisFile, editorText, pageForThisTest } from '../helpers/browser.js';
import { graphql, runnerForThisFile } from '../helpers/local-runner-process.js';
import { pollUntil } from '../helpers/poll.js';

/**
 * What a person sees of `npm start`, drawn by a real (headless) Chromium: Swagger UI, GraphiQL, the
 * mail viewer and a mail's unsubscribe page, each loaded from the local runner with no internet, and used as a person would, by
 * clicking and typing. A failed test leaves a screenshot of its page in test-artifacts/screenshots/.
 */

// A key of our own choosing: the tests do not depend on how the runner announces the one it makes.
const API_KEY = 'cmk_browser-test-development-key';
const local = runnerForThisFile({ LOCAL_API_KEY: API_KEY });
const chrome = browserForThisFile();

/** example_csv/campaign.csv: five rows, five distinct valid addresses. */
const CAMPAIGN = 'example_csv/campaign.csv';
const FIRST_SUBJECT = 'Ana, your spring offer is here';
const FIRST_ADDRESS = 'ana.garcia@example.com';

/** A page is slow to draw on a slow machine: a browser test may take longer than vitest's default. */
const BROWSER_TEST_MS = 90_000;
const UI_WAIT = { timeout: 30_000 };

interface SentEmails {
  emailSends: { email: string; batchId: string }[];
}

/** Uploads the example campaign over HTTP and waits until its mails have gone out. */
async function sendExampleCampaign(): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([readFileSync(CAMPAIGN)], { type: 'text/csv' }), 'campaign.csv');
  // The same file each time: sent again on purpose.
  const response = await fetch(`${local.runner.apiUrl}/campaigns/upload?allowDuplicate=true`, {
    method: 'POST',
    headers: { 'x-api-key': API_KEY },
    body: form,
  });
  expect(response.status).toBe(202);
  const { batchId } = (await response.json()) as { batchId: string };
  await pollUntil(
    'the example campaign to be SENT',
    () =>
      graphql<SentEmails>(
        { apiUrl: local.runner.apiUrl, apiKey: API_KEY },
        'query($id: String!) { emailSends(batchId: $id, status: "SENT") { email batchId } }',
        { id: batchId },
      ),
    (seen) => seen.emailSends.length === 5,
    { timeoutMs: 30_000 },
  );
  return batchId;
}

/** GraphiQL's headers editor (the variables editor beside it is hidden). */
const HEADERS_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden)';

/**
 * Opens GraphiQL's tab at `index` from the keyboard (focus, Enter), as a keyboard user does. A mouse
 * click does not reach the tab in headless Chromium: the bundled framer-motion, which lets tabs be
 * dragged into another order, moves a tab away from the pointer as the button goes down, and the
 * click lands on the tab list instead.
 */
async function activateTab(page: Page, index: number) {
  await page.focus(`#graphiql-session-tab-${index}`);
  await page.keyboard.press('Enter');
}

const textOf = (page: Page, selector: string) =>
  page.$eval(selector, (element) => (element as { innerText?: string }).innerText ?? '');

describe('Swagger UI at /docs', () => {
  it(
    'authorises with a key, uploads a file through "Try it out" with a send option and shows the 202 report',
    async () => {
      const { page, responses } = await pageForThisTest(chrome.browser);
      await page.goto(`${local.runner.apiUrl}/docs`);

      // Authorize: the key goes into the apiKey scheme's dialog.
      await page.locator('.swagger-ui .btn.authorize').setTimeout(UI_WAIT.timeout).click();
      await page.locator('.modal-ux input[type=text]').fill(API_KEY);
      await page.locator('.modal-ux .auth-btn-wrapper .btn.authorize').click();
      await page.locator('.modal-ux .btn-done').click();

      // POST /campaigns/upload, "Try it out": dryRun starts at false, the file is chosen, Execute.
      await page.locator('#operations-campaigns-uploadCampaign .opblock-summary').click();
      await page.locator('#operations-campaigns-uploadCampaign .try-out__btn').click();
      const dryRun = await page.$eval(
        '#operations-campaigns-uploadCampaign tr[data-property-name="dryRun"] select',
        (select) => (select as unknown as { value: string }).value,
      );
      expect(dryRun).toBe('false');
      // The send options are form fields too: sendAt and maxRate empty, priority normal unless chosen.
      const form = '#operations-campaigns-uploadCampaign tr[data-property-name';
      for (const option of ['sendAt', 'maxRate'])
        await page.waitForSelector(`${form}="${option}"] input`, UI_WAIT);
      expect(await page.select(`${form}="priority"] select`, 'high')).toEqual(['high']);
      const file = await page.waitForSelector(
        '#operations-campaigns-uploadCampaign tr[data-property-name="file"] input[type=file]',
        UI_WAIT,
      );
      await (file as NonNullable<typeof file> & { uploadFile(path: string): Promise<void> }).uploadFile(
        CAMPAIGN,
      );
      await page.locator('#operations-campaigns-uploadCampaign .btn.execute').click();

      const answer = '#operations-campaigns-uploadCampaign .live-responses-table tbody';
      await page.waitForSelector(`${answer} .response-col_status`, UI_WAIT);
      const status = await textOf(page, `${answer} .response-col_status`);
      expect(status.trim()).toMatch(/^202/);
      const body = JSON.parse(
        await textOf(page, `${answer} .response-col_description .microlight`),
      ) as Record<string, unknown>;
      expect(body).toMatchObject({
        received: 5,
        accepted: 5,
        invalid: 0,
        dryRun: false,
        sending: { state: 'SENDING', priority: 'high' },
      });
      expect(body.batchId).toEqual(expect.any(String));
      // Everything the page loaded came from the local API: no CDN, no online validator.
      const fetched = responses.map((r) => new URL(r.url())).filter((url) => url.protocol !== 'data:');
      expect(fetched.map((url) => url.origin).filter((origin) => origin !== local.runner.apiUrl)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );
});

describe('GraphiQL at /graphql', () => {
  beforeAll(async () => {
    await sendExampleCampaign();
  }, BROWSER_TEST_MS);

  it(
    'opens with a tab per example, titled and holding its query, and the key already in the headers',
    async () => {
      const { page, responses } = await pageForThisTest(chrome.browser);
      await page.goto(`${local.runner.apiUrl}/graphql`);
      await page.waitForSelector('.graphiql-tab-button', UI_WAIT);
      const titles = await page.$$eval('.graphiql-tab-button', (tabs) => tabs.map((tab) => tab.textContent));
      expect(titles).toEqual(EXAMPLES.map((example) => example.name));

      for (const [index, example] of EXAMPLES.entries()) {
        await activateTab(page, index);
        await pollUntil(
          `the query of tab ${example.name}`,
          () => editorText(page, '.graphiql-query-editor'),
          (text) => text.includes(`query ${example.name} {`),
        );
        const text = await editorText(page, '.graphiql-query-editor');
        expect(text.split('\n').slice(0, 2)).toEqual([`# ${example.question}`, `query ${example.name} {`]);
      }
      await activateTab(page, 0);
      expect(JSON.parse(await editorText(page, HEADERS_EDITOR))).toEqual({ 'x-api-key': API_KEY });
      // The schema was fetched with that key: nothing was refused.
      expect(responses.filter((r) => r.status() >= 400).map((r) => `${r.status()} ${r.url()}`)).toEqual([]);
    },
    BROWSER_TEST_MS,
  );

  it(
    'runs the first example and shows the sent mails',
    async () => {
      const { page } = await pageForThisTest(chrome.browser);
      await page.goto(`${local.runner.apiUrl}/graphql`);
      await page.locator('.graphiql-execute-button').setTimeout(UI_WAIT.timeout).click();
      const result = await pollUntil(
        'the result of SentEmails',
        () => editorText(page, '.graphiql-response'),
        (text) => text.includes(FIRST_ADDRESS),
        { timeoutMs: UI_WAIT.timeout },
      );
      expect(result).toContain('"status": "SENT"');
      expect(result).not.toContain('"errors"');
    },
    BROWSER_TEST_MS,
  );

  it(
    'shows a plain hint instead of asking for the schema while the headers hold no key',
    async () => {
      const { page, responses } = await pageForThisTest(chrome.browser);
      await page.goto(`${local.runner.apiUrl}/graphql`);
      await page.waitForSelector(`${HEADERS_EDITOR} .view-line`, UI_WAIT);
      // Removes the key as a person would: select everything in the headers editor and delete it.
      await page.click(`${HEADERS_EDITOR} .view-line`);
      await page.keyboard.down('Control');
      await page.keyboard.press('a');
      await page.keyboard.up('Control');
      await page.keyboard.press('Backspace');
      const asked = responses.length;
      await page.locator('button[aria-label^="Re-fetch GraphQL schema"]').click();
      const result = await pollUntil(
        'the hint in the result pane',
        () => editorText(page, '.graphiql-response'),
        (text) => text.includes('No API key yet'),
        { timeoutMs: UI_WAIT.timeout },
      );
      // The pane wraps long lines where its width says.
      const words = (text: string) => text.split(/\s+/).join(' ').trim();
      expect(words(result)).toBe(words(NO_KEY_HINT));
      expect(responses.slice(asked).filter((r) => r.url().endsWith('/graphql'))).toEqual([]);
    },
    BROWSER_TEST_MS,
  );
});

describe('the mail viewer', () => {
  it(
    'shows a sent mail with its subject',
    async () => {
      const viewer = local.runner.mailViewerUrl;
      expect(viewer).toEqual(expect.stringMatching(/^http:/));
      await sendExampleCampaign();
      const { page } = await pageForThisTest(chrome.browser);
      await page.goto(String(viewer));
      await page.waitForFunction(
        (subject) => document.body.innerText.includes(subject),
        UI_WAIT,
        FIRST_SUBJECT,
      );
      const text = await textOf(page, 'body');
      expect(text).toContain(FIRST_ADDRESS);
    },
    BROWSER_TEST_MS,
  );
});

describe('one-click unsubscribe in a browser', () => {
  /** An address of this test's own: unsubscribing it changes no other test's campaign. */
  const READER = 'browser-reader@example.com';

  it(
    "lists a mail's List-Unsubscribe in the mail viewer; its link shows a page whose button unsubscribes",
    async () => {
      const response = await fetch(`${local.runner.apiUrl}/campaigns/upload?allowDuplicate=true`, {
        method: 'POST',
        headers: { 'x-api-key': API_KEY, 'content-type': 'text/csv' },
        body: `email,subject,content\n${READER},Our spring letter,Hello\n`,
      });
      expect(response.status).toBe(202);

      // The mail viewer lists the mail with its headers, the unsubscribe link clickable.
      const { page } = await pageForThisTest(chrome.browser);
      await page.goto(String(local.runner.mailViewerUrl));
      await page.waitForFunction(
        (reader) =>
          [...document.querySelectorAll<HTMLElement>('.email')].some(
            (node) => node.innerText.includes(reader) && node.querySelector('a[href*="/unsubscribe/"]'),
          ),
        UI_WAIT,
        READER,
      );
      let text = '';
      let anchor: Awaited<ReturnType<Page['$']>> = null;
      for (const node of await page.$$('.email')) {
        const shown = await node.evaluate((element) => (element as HTMLElement).innerText);
        if (!shown.includes(READER)) continue;
        text = shown;
        anchor = await node.$('a[href*="/unsubscribe/"]');
      }
      expect(text).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
      expect(text).toMatch(new RegExp(`List-Unsubscribe: <${local.runner.apiUrl}/unsubscribe/[\\w-]{64}>`));
      if (anchor === null) throw new Error('no unsubscribe link in the mail viewer');
      const href = await anchor.evaluate((element) => element.getAttribute('href'));

      // Following the link shows the question and its button; nothing is unsubscribed yet.
      await Promise.all([page.waitForNavigation(), anchor.click()]);
      expect(page.url()).toBe(href);
      await page.waitForSelector('::-p-text(Unsubscribe from these mails?)', UI_WAIT);
      const button = await page.waitForSelector('::-p-aria([name="Unsubscribe"][role="button"])', UI_WAIT);
      if (button === null) throw new Error('no Unsubscribe button on the page');
      expect(await isUnsubscribed(READER)).toBe(false);

      // The button: the confirmation, and the address is on the suppression list.
      await Promise.all([page.waitForNavigation(), button.click()]);
      await page.waitForSelector('::-p-text(You are unsubscribed)', UI_WAIT);
      expect(await textOf(page, 'h1')).toBe('You are unsubscribed');
      expect(await isUnsubscribed(READER)).toBe(true);
    },
    BROWSER_TEST_MS,
  );
});

/** Whether the address is on the suppression list, read from the runner's own table. */
async function isUnsubscribed(address: string): Promise<boolean> {
  const state = liveRunnerState(local.dataDir);
  if (state === undefined) throw new Error(`the runner wrote no state in ${local.dataDir}`);
  const dynamodb = new DynamoDBClient({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: state.dynamodbEndpoint,
  });
  try {
    const entry = await new SuppressionStore(documentClient(dynamodb), state.tableName).get(address);
    return entry?.reason === 'UNSUBSCRIBED';
  } finally {
    dynamodb.destroy();
  }
}
