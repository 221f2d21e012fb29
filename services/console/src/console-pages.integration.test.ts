// The console end to end, in English (fixture: testing/console-fixture.ts — real Kafka, real gRPC,
// the real US ledger and audit service, headless Chromium): sign-in refusals, one flow with the
// keyboard alone, and each page showing real data — topics, records and a partner's view of one,
// lag with a subscription and a consumer group, the simulator's dropped and hashed fields and the
// newest version of a republished event, the ledger. Screenshots of each page are saved.
import { randomUUID } from 'node:crypto';

import { waitFor } from '@puente/runtime/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { focused, screenshot, tabTo } from './testing/browser.js';
import { type ConsoleFixture, startConsoleFixture, token, US_TOPIC, US_VIN } from './testing/console-fixture.js';

describe('the operators’ console in English (real Kafka, real gRPC, real ledger, headless Chromium)', () => {
  let fx: ConsoleFixture;
  let page: Page;

  beforeAll(async () => {
    fx = await startConsoleFixture();
    page = fx.browser.page;
  });

  afterAll(async () => {
    await fx?.close();
  });

  const mainText = () => page.locator('main').innerText();
  async function visit(hash: string, h1: string): Promise<void> {
    await page.goto(`${fx.console.url}/#/${hash}`);
    await page.locator('main h1', { hasText: h1 }).waitFor();
  }

  it('refuses an unknown token and a non-operator’s, with a clear message', async () => {
    await page.goto(fx.console.url);
    await page.locator('#token').fill('dev.not-a-token.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    await page.locator('#token').press('Enter');
    await page.getByRole('alert').filter({ hasText: 'The gateway does not know this token.' }).waitFor();
    await page.locator('#token').fill(token('dev-mx-anam-subscriber'));
    await page.locator('#token').press('Enter');
    await page.getByRole('alert').filter({ hasText: 'This token does not belong to an operator.' }).waitFor();
    const api = await page.request.get(`${fx.console.url}/api/topics`);
    expect(api.status()).toBe(401);
    await screenshot(page, 'sign-in-en');
  });

  it('signs in and finds who received an event with the keyboard alone', async () => {
    await page.goto(fx.console.url);
    await page.locator('#token').waitFor();
    await page.keyboard.press('Tab');
    expect((await focused(page)).text).toBe('Skip to content');
    await tabTo(page, (el) => el.name === 'token');
    await page.keyboard.type(token('dev-us-cbp-operator'));
    await page.keyboard.press('Enter');
    await page.locator('main h1', { hasText: 'Topics' }).waitFor();
    await tabTo(page, (el) => el.tag === 'A' && el.text === 'Disclosure ledger');
    await page.keyboard.press('Enter');
    await page.locator('main h1', { hasText: 'Disclosure ledger' }).waitFor();
    await waitFor(async () => (await focused(page)).tag === 'H1', 5_000, 'focus on the new page’s heading');
    await tabTo(page, (el) => el.tag === 'INPUT' && el.name === 'eventId');
    await page.keyboard.type(fx.usEvents[0]!);
    await page.keyboard.press('Enter');
    // The audit service chains the disclosure shortly after the delivery: look again until it is there.
    await waitFor(
      async () => {
        if ((await page.locator('table.receipts[aria-label="Who received an event"]').count()) === 0) {
          await page.locator('input[name=eventId]').press('Enter');
          return false;
        }
        return true;
      },
      30_000,
      'the receipt of the first manifest',
    );
    const receipts = await page.locator('table.receipts[aria-label="Who received an event"]').innerText();
    expect(receipts).toContain('MX ANAM');
    expect(receipts).toContain(fx.subscription);
    expect(receipts).toContain('us-to-mx');
  });

  it('shows topics and records, and a record as the partner receives it', async () => {
    await visit('topics', 'Topics');
    await page.locator('table.topics').waitFor();
    const topics = await mainText();
    expect(topics).toContain(US_TOPIC);
    expect(topics).toMatch(/mx\.cargo-manifests\.v1\s+events\s+MX\s+as shared under mx-to-us/);
    await page.getByRole('button', { name: US_TOPIC, exact: true }).click();
    await page.locator('#topic-detail').waitFor();
    expect(await mainText()).toMatch(/Partition\s+Leader/);
    await screenshot(page, 'topics-en');

    await visit(`messages?topic=${US_TOPIC}`, 'Messages');
    await page.getByLabel('by event id').check();
    await page.locator('input[name=eventId]').fill(fx.usEvents[1]!);
    await page.getByRole('button', { name: 'Search' }).click();
    // The page first shows the newest records; the search by event id then leaves exactly one.
    await page.locator('main h2', { hasText: /^Records: 1$/ }).waitFor();
    expect(await page.locator('article.record').count()).toBe(1);
    const stored = await page.locator('article.record').innerText();
    expect(stored).toContain(`CONSOLE-${fx.run}-1`);
    expect(stored).toContain(US_VIN);
    // The same record as the MX partner receives it: the VIN withheld, the document numbers hashed.
    await page.locator('select[name=preview]').selectOption('us-to-mx');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('article.record', { hasText: 'usmx-dev-1:' }).waitFor();
    expect(await page.locator('article.record').innerText()).not.toContain(US_VIN);
    await screenshot(page, 'messages-en');
  });

  it('shows lag over time, the partner’s subscription and a consumer group holding offsets on the US topic', async () => {
    await visit('lag', 'Lag');
    await page.locator('#lag-chart canvas').waitFor();
    await page.locator('main th[scope=row]', { hasText: fx.consumerGroup }).waitFor();
    const lag = await mainText();
    expect(lag).toMatch(new RegExp(`MX ANAM\\s+${fx.subscription}\\s+yes`));
    expect(lag).toMatch(
      new RegExp(`${fx.consumerGroup}\\s+\\w+\\s+\\d+\\s+[\\d,]+\\s+${US_TOPIC.replace(/\./g, '\\.')}\\[\\d\\]`),
    );
    expect(lag).not.toContain('No consumer group holds committed offsets');
    await screenshot(page, 'lag-en');
  });

  it('simulates a stored event: the dropped field absent, the hashed field hashed', async () => {
    await visit(`simulator?topic=${US_TOPIC}&eventId=${fx.usEvents[2]}`, 'Policy simulator');
    const partner = page.locator('section.partner[aria-label="us-to-mx"]');
    const fields = page.locator('table.fields[data-agreement="us-to-mx"]');
    await partner.waitFor();
    expect(await partner.locator('p.decision').innerText()).toContain('released');
    expect(await fields.locator('tr[data-path="conveyance.vehicleIdentificationNumber"] td').first().innerText()).toBe(
      'dropped',
    );
    expect(await fields.locator('tr[data-path="driver.documents[*].documentNumber"] td').first().innerText()).toContain(
      'hashed',
    );
    const original = await page.locator('section.original pre').innerText();
    // Avro JSON wraps union branches ({"org.puente…Person": {…}}): compare the text, field by field.
    const view = JSON.stringify(JSON.parse(await partner.locator('pre').innerText()));
    expect(original).toContain(US_VIN);
    expect(original).toContain('G39281745');
    expect(view).not.toContain(US_VIN);
    expect(view).not.toContain('"vehicleIdentificationNumber"');
    const hashes = [...view.matchAll(/"documentNumber":"([^"]*)"/g)].map((m) => m[1]);
    expect(hashes).toHaveLength(2);
    for (const hash of hashes) expect(hash).toMatch(/^usmx-dev-1:[\w-]+$/);
    expect(view).not.toContain('G39281745');
    await screenshot(page, 'simulator-en');

    // A republished event: the original column shows the newest version, the one the views are of.
    await visit(`simulator?topic=${US_TOPIC}&eventId=${fx.republished}`, 'Policy simulator');
    await partner.waitFor();
    const newest = await page.locator('section.original pre').innerText();
    expect(newest).toContain(`CONSOLE-${fx.run}-AGAIN`);
    expect(newest).not.toContain(`CONSOLE-${fx.run}-FIRST`);
    expect(await partner.locator('pre').innerText()).toContain(`CONSOLE-${fx.run}-AGAIN`);

    // A gateway error is shown with its reason, translated, and the gateway's own words beside it.
    await visit(`simulator?topic=${US_TOPIC}&eventId=${randomUUID()}`, 'Policy simulator');
    await page.getByRole('alert').filter({ hasText: 'No record of this topic carries that event id.' }).waitFor();
  });

  it('verifies the ledger and lists the disclosures', async () => {
    await visit('ledger', 'Disclosure ledger');
    await page.locator('p.decision', { hasText: 'Intact' }).waitFor();
    await waitFor(
      async () => {
        const list = page.locator('table.receipts[aria-label="Disclosures"]');
        if ((await list.count()) > 0 && (await list.innerText()).includes(fx.usEvents[2]!)) return true;
        await page.getByRole('button', { name: 'List' }).click();
        return false;
      },
      30_000,
      'the disclosures listed',
    );
    await screenshot(page, 'ledger-en');
  });
});
