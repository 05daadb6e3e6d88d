import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type HTTPResponse, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, expect, onTestFailed } from 'vitest';
import { repoPath } from '../../lib/repo-paths.js';

/**
 * A real Chromium for the tests that check what a person sees. It comes from @sparticuz/chromium,
 * which ships the browser inside the npm package (a browser downloaded at install time cannot be had
 * here), unpacked on first use, and is driven by puppeteer-core.
 */

/** Where a failed browser test leaves a screenshot of its page (gitignored; CI keeps it as an artefact). */
export const SCREENSHOT_DIR = repoPath('test-artifacts/screenshots');

/**
 * The package's flags, less those meant for Lambda's sandbox that weaken or destabilise a browser on a
 * workstation (one process for everything; same-origin checks off), plus those that keep a fresh
 * profile from calling home: this machine's network is closed, and each refused connection is noise.
 */
function launchArgs(): string[] {
  const dropped = new Set(['--single-process', '--disable-web-security', '--allow-running-insecure-content']);
  return [
    ...chromium.args.filter((arg) => !dropped.has(arg)),
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ];
}

export async function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({
    executablePath: await chromium.executablePath(),
    args: launchArgs(),
    headless: 'shell',
    defaultViewport: { width: 1400, height: 900 },
  });
}

/** One browser for the calling test file, started before its tests and closed after them. */
export function browserForThisFile(): { browser: Browser } {
  const started = {} as { browser: Browser };
  beforeAll(async () => {
    started.browser = await launchBrowser();
  });
  afterAll(async () => {
    await started.browser?.close();
  });
  return started;
}

const fileNameOf = (testName: string) =>
  testName
    .replace(/[^\w.-]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 150);

/**
 * A new tab for the running test, whose screenshot is kept under SCREENSHOT_DIR if the test fails, and
 * whose every answer is recorded (`responses`), so that a test can say what the page asked for.
 */
export async function pageForThisTest(browser: Browser): Promise<{ page: Page; responses: HTTPResponse[] }> {
  const page = await browser.newPage();
  const responses: HTTPResponse[] = [];
  page.on('response', (response) => responses.push(response));
  const testName = expect.getState().currentTestName ?? 'browser-test';
  onTestFailed(async () => {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const path = join(SCREENSHOT_DIR, `${fileNameOf(testName)}.png`);
    await page.screenshot({ path, fullPage: true }).catch(() => {});
    console.error(`screenshot of the failed page: ${path}`);
  });
  return { page, responses };
}

/** The text of a Monaco editor (GraphiQL's query, headers and result panes), as a person reads it. */
export async function editorText(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (element) =>
    // Monaco draws each visible line as an element placed by its `top`, spaces as no-break spaces.
    [...element.querySelectorAll<HTMLElement>('.view-line')]
      .sort((a, b) => Number.parseFloat(a.style.top) - Number.parseFloat(b.style.top))
      .map((line) => (line.textContent ?? '').replace(/\u00a0/g, ' '))
      .join('\n'),
  );
}
