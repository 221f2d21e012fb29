// Headless Chromium for the console's tests: Debian's chromium driven by playwright-core, with a
// fresh profile per launch, and the small helpers the tests share (keyboard walking, screenshots).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  close(): Promise<void>;
}

export async function launchTestBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(join(tmpdir(), 'puente-console-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  return {
    context,
    page,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What the focused element is: its tag, name/id and text, for keyboard-only walks. */
export async function focused(page: Page): Promise<{ tag: string; name: string; text: string }> {
  // A string, evaluated in the page: this package's Node code is compiled without the DOM types.
  return page.evaluate<{ tag: string; name: string; text: string }>(`(() => {
    const el = document.activeElement;
    return {
      tag: el ? el.tagName : '',
      name: el ? el.getAttribute('name') || el.id || '' : '',
      text: el ? (el.textContent || '').trim() : '',
    };
  })()`);
}

/** Presses Tab until the focused element matches (at most `max` presses). */
export async function tabTo(
  page: Page,
  matches: (el: { tag: string; name: string; text: string }) => boolean,
  max = 60,
): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (matches(await focused(page))) return;
  }
  throw new Error(`no element matched after ${max} Tab presses (last: ${JSON.stringify(await focused(page))})`);
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
