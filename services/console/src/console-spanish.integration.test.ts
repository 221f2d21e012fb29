// The console end to end in Spanish, and what an operator must never see (fixture:
// testing/console-fixture.ts — real Kafka, real gRPC, the real US ledger, headless Chromium):
// every page translated with dates and numbers in the Mexican locale (screenshots of each); the
// simulator through the API with a pasted event; the US operator never shown Mexico's raw records,
// in the page or from the API asked directly; a session the server ended sends the page back to
// sign-in.
import { waitFor } from '@puente/runtime/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { screenshot } from './testing/browser.js';
import {
  type ConsoleFixture,
  MX_TOPIC,
  startConsoleFixture,
  token,
  US_TOPIC,
  US_VIN,
} from './testing/console-fixture.js';

describe('the operators’ console in Spanish, and its limits (real Kafka, real gRPC, headless Chromium)', () => {
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
  async function signIn(name: string): Promise<void> {
    await page.request.delete(`${fx.console.url}/api/session`);
    await page.goto(fx.console.url);
    await page.locator('#token').fill(token(name));
    await page.locator('#token').press('Enter');
    await page.locator('main h1', { hasText: /^(Topics|Tópicos)$/ }).waitFor();
    // The language is remembered across tests: each starts in English.
    await page.getByRole('button', { name: 'English' }).click();
    await page.locator('main h1', { hasText: 'Topics' }).waitFor();
  }

  it('switches every page to Spanish, with dates and numbers in the Mexican locale', async () => {
    await signIn('dev-us-cbp-operator');
    await page.getByRole('button', { name: 'Español' }).click();
    await page.locator('main h1', { hasText: 'Tópicos' }).waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('es');
    expect(await page.locator('nav').innerText()).toMatch(/Mensajes[\s\S]*Retraso[\s\S]*Simulador de políticas/);
    await page.locator('table.topics').waitFor();
    expect(await mainText()).toContain('como se comparte según mx-to-us');
    await page.getByRole('button', { name: US_TOPIC, exact: true }).click();
    await page.locator('#topic-detail', { hasText: 'Detalles de' }).waitFor();
    await screenshot(page, 'topics-es');

    // The choice is remembered: a fresh load stays in Spanish.
    await visit(`messages?topic=${US_TOPIC}`, 'Mensajes');
    await page.locator('article.record').first().waitFor();
    const record = await page.locator('article.record').first().innerText();
    expect(record).toMatch(/Partición \d+, offset/);
    expect(record).toMatch(/\d{1,2} \w{3}\.? \d{4}/); // e.g. "7 dic 2026": es-MX day-month order
    await screenshot(page, 'messages-es');

    await visit('lag', 'Retraso');
    await page.locator('#lag-chart canvas').waitFor();
    await page.locator('main th[scope=row]', { hasText: fx.consumerGroup }).waitFor();
    expect(await mainText()).toMatch(/Suscripciones[\s\S]*Grupos de consumidores/);
    await screenshot(page, 'lag-es');

    await visit(`simulator?topic=${US_TOPIC}&eventId=${fx.usEvents[2]}`, 'Simulador de políticas');
    const partner = page.locator('section.partner[aria-label="us-to-mx"]');
    const fields = page.locator('table.fields[data-agreement="us-to-mx"]');
    await partner.waitFor();
    expect(await partner.locator('p.decision').innerText()).toContain('se comparte');
    expect(await fields.locator('tr[data-path="conveyance.vehicleIdentificationNumber"] td').first().innerText()).toBe(
      'se elimina',
    );
    await screenshot(page, 'simulator-es');

    await visit('ledger', 'Registro de divulgaciones');
    await page.locator('p.decision', { hasText: 'Íntegro' }).waitFor();
    await screenshot(page, 'ledger-es');

    await page.getByRole('button', { name: 'Cerrar sesión' }).click();
    await page.locator('main h1', { hasText: 'Iniciar sesión' }).waitFor();
    await screenshot(page, 'sign-in-es');
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.locator('main h1').textContent()).toBe('Sign in');
  });

  it('pastes an event into the simulator through the API and gets each partner’s view', async () => {
    await signIn('dev-us-cbp-operator');
    const records = await page.request.get(`${fx.console.url}/api/records?topic=${US_TOPIC}&eventId=${fx.usEvents[0]}`);
    const payload = (await records.json()).records[0].payload;
    const answer = await page.request.post(`${fx.console.url}/api/explain`, {
      data: { topic: US_TOPIC, event: JSON.stringify(payload) },
    });
    expect(answer.status()).toBe(200);
    const { explanations } = await answer.json();
    const usToMx = explanations.find((x: { agreementId: string }) => x.agreementId === 'us-to-mx');
    expect(usToMx.decision).toBe('RELEASE');
    expect(JSON.stringify(usToMx.viewPayload)).not.toContain(US_VIN);
    // A time range finds them too (the Messages page's third way to search).
    const range = `from=${fx.publishedFrom.toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}&limit=500`;
    const inRange = await page.request.get(`${fx.console.url}/api/records?topic=${US_TOPIC}&${range}`);
    const ids = (await inRange.json()).records.map((r: { eventId: string }) => r.eventId);
    expect(ids).toEqual(expect.arrayContaining([...fx.usEvents]));
    const bad = await page.request.post(`${fx.console.url}/api/explain`, {
      data: { topic: US_TOPIC, event: '{"meta": ' },
    });
    expect(bad.status()).toBe(400);
    expect((await bad.json()).error.message).toMatch(/^event: is not valid JSON/);
  });

  it('never shows the US operator Mexico’s raw records, in the page or from the API asked directly', async () => {
    await signIn('dev-us-cbp-operator');
    await visit(`messages?topic=${MX_TOPIC}&view=mx-to-us`, 'Messages');
    await page.getByLabel('by event id').check();
    await page.locator('input[name=eventId]').fill(fx.mxEvent);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('article.record', { hasText: `CONSOLE-MX-${fx.run}` }).waitFor();
    const shown = await page.content();
    expect(shown).toContain('usmx-dev-1:');
    expect(shown).not.toContain(fx.mxRawStreet);
    expect(shown).not.toContain(fx.mxRawDocument);

    // Asked directly, every way of asking is either refused with the gateway's reason or answered
    // with the agreement's view; a 500 or an undecoded payload would fail here, not just pass.
    const asUs = async (path: string) => {
      const response = await page.request.get(`${fx.console.url}${path}`);
      return { status: response.status(), text: await response.text() };
    };
    type Answer = { records: { decodeError: string; payload: unknown; schemaId: number; eventId: string }[] };
    const view = await asUs(`/api/records?topic=${MX_TOPIC}&eventId=${fx.mxEvent}&view=mx-to-us`);
    expect(view.status).toBe(200);
    const [viewed, ...others] = (JSON.parse(view.text) as Answer).records;
    expect(others).toEqual([]);
    expect(viewed?.decodeError).toBe('');
    expect(JSON.stringify(viewed?.payload)).toMatch(/"documentNumber":"usmx-dev-1:[\w-]+"/);
    expect(view.text).not.toContain(fx.mxRawStreet);
    expect(view.text).not.toContain(fx.mxRawDocument);
    // Naming no view, or asking for raw, gets the same view: the one agreement sharing the topic with the US.
    for (const path of [
      `/api/records?topic=${MX_TOPIC}&eventId=${fx.mxEvent}&raw=1`,
      `/api/records?topic=${MX_TOPIC}&eventId=${fx.mxEvent}`,
    ]) {
      const answer = await asUs(path);
      expect(answer.status, path).toBe(200);
      expect(JSON.parse(answer.text), path).toEqual(JSON.parse(view.text));
    }
    const newest = await asUs(`/api/records?topic=${MX_TOPIC}&limit=500`);
    expect(newest.status).toBe(200);
    const newestRecords = (JSON.parse(newest.text) as Answer).records;
    expect(newestRecords.map((r) => r.eventId)).toContain(fx.mxEvent);
    expect(newestRecords.every((r) => r.schemaId === viewed?.schemaId)).toBe(true);
    expect(newest.text).not.toContain(fx.mxRawStreet);
    expect(newest.text).not.toContain(fx.mxRawDocument);
    const topic = await asUs(`/api/topic?topic=${MX_TOPIC}`);
    expect(topic.status).toBe(200);
    expect(JSON.parse(topic.text).topic).toMatchObject({ access: 'VIEW', viewAgreementId: 'mx-to-us' });
    // An agreement that does not share the topic with the US is refused.
    const wrong = await asUs(`/api/records?topic=${MX_TOPIC}&eventId=${fx.mxEvent}&view=us-to-mx`);
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.text).error).toMatchObject({ code: 'FORBIDDEN', reason: 'NO_AGREEMENT' });
    expect(wrong.text).not.toContain(fx.mxRawStreet);
    const explain = await page.request.post(`${fx.console.url}/api/explain`, {
      data: { topic: MX_TOPIC, eventId: fx.mxEvent },
    });
    expect(explain.status()).toBe(403);
    const explainText = await explain.text();
    expect(JSON.parse(explainText).error.reason).toBe('TOPIC_NOT_ALLOWED');
    expect(explainText).not.toContain(fx.mxRawStreet);

    // The control: Mexico's own operator does see the raw values, so their absence above means something.
    const signInMx = await fetch(`${fx.console.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: token('dev-mx-anam-operator') }),
    });
    const cookie = signInMx.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    expect(await signInMx.text()).not.toContain('dev.mx-anam-operator');
    const raw = await fetch(`${fx.console.url}/api/records?topic=${MX_TOPIC}&eventId=${fx.mxEvent}`, {
      headers: { cookie: cookie.split(';')[0]! },
    });
    const rawText = await raw.text();
    expect(rawText).toContain(fx.mxRawStreet);
    expect(rawText).toContain(fx.mxRawDocument);
  });

  it('goes back to sign-in when the server ends the session (a token the gateway stopped accepting)', async () => {
    await signIn('dev-us-cbp-operator');
    await visit('lag', 'Lag');
    await page.locator('#lag-chart canvas').waitFor();
    for (const session of fx.console.sessions.live()) fx.console.sessions.delete(session.id);
    // The Lag page asks again every 5 s; its 401 brings the sign-in page back.
    await page.locator('main h1', { hasText: 'Sign in' }).waitFor();
    await waitFor(async () => (await page.locator('#token').count()) === 1, 5_000, 'the token field');
  });
});
