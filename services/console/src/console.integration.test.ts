// The console end to end: a gateway on real Kafka with the US ledger and its real audit service,
// CBP publishing manifests, ANAM subscribed to them, ANAM publishing an MX manifest; the console
// in front of the gateway, driven in headless Chromium. Each page shows that real data, the
// simulator shows a dropped field absent and a hashed field hashed, Spanish translates the pages,
// one flow works with the keyboard alone, and the US operator never sees MX raw values — in the
// page or from the API asked directly. Screenshots of every page in both languages are saved.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { Metadata } from '@grpc/grpc-js';
import type { AuditService } from '@puente/audit';
import { startTestAudit } from '@puente/audit/testing';
import { KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import { type CargoManifest, createCodec } from '@puente/contracts';
import { readDevTokens } from '@puente/gateway/dev';
import { openTestSubscriber, startTestGateway, type TestGateway, type TestSubscriber } from '@puente/gateway/testing';
import { devCheckpointPublicKeys } from '@puente/ledger';
import { openTestLedger, type TestLedger } from '@puente/ledger/testing';
import { PayloadFormat, type PublishResponse, StartPosition } from '@puente/proto';
import { waitFor } from '@puente/runtime/testing';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type ConsoleServer, createConsoleServer } from './create-console-server.js';
import { focused, launchTestBrowser, screenshot, tabTo, type TestBrowser } from './testing/browser.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const US_TOPIC = 'us.cargo-manifests.v1';
const MX_TOPIC = 'mx.cargo-manifests.v1';
const codec = createCodec();
const tokens = readDevTokens();
const token = (name: string) => tokens.get(name) ?? '';
const example = (file: string, topic: string): CargoManifest =>
  codec.fromFriendlyJson(
    topic,
    (JSON.parse(readFileSync(`${root}schemas/examples/cargo-manifests/${file}`, 'utf8')) as { value: unknown }).value,
  ) as CargoManifest;

const RUN = randomUUID().slice(0, 8);
/** Values only the raw MX record holds: dropped (consignor address) and hashed (document number) by mx-to-us. */
const MX_RAW_STREET = `Calle Solo Cruda ${RUN}`;
const MX_RAW_DOCUMENT = `RAW${RUN.toUpperCase()}`;
/** conveyance.vehicleIdentificationNumber: no us-to-mx rule keeps it, so MX never receives it. */
const US_VIN = '3AKJHHDR7NSMT4821';

describe('the operators’ console (real Kafka, real gRPC, real ledger, headless Chromium)', () => {
  let bus: KafkaBus;
  let ledger: TestLedger;
  let gateway: TestGateway;
  let audit: AuditService;
  let consoleServer: ConsoleServer;
  let browser: TestBrowser;
  let page: Page;
  let anam: TestSubscriber;
  const subscription = `console-anam-${RUN}`;
  const usEvents: string[] = [];
  let mxEvent = '';
  let publishedFrom = new Date();

  async function publish(topic: string, value: CargoManifest, publisher: string): Promise<string> {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${token(publisher)}`);
    const answer = await new Promise<PublishResponse>((resolve, reject) =>
      gateway.client.publish(
        {
          topic,
          key: '',
          payloadFormat: PayloadFormat.AVRO_CONFLUENT,
          payload: codec.encode(topic, value),
          schemaId: 0,
        },
        metadata,
        (error, response) => (error ? reject(error) : resolve(response)),
      ),
    );
    return answer.eventId;
  }

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: 'console-it', heartbeatIntervalMs: 500 });
    await bus.start();
    ledger = await openTestLedger('pglite', 'US');
    const checkpointTopic = `us.audit-checkpoints.console-${RUN}`;
    gateway = await startTestGateway({
      bus,
      codec,
      ledgers: { US: ledger },
      checkpointKeys: devCheckpointPublicKeys(),
      checkpointTopic: () => checkpointTopic,
    });
    audit = await startTestAudit({ bus, codec, store: ledger, country: 'US', checkpointTopic });

    anam = openTestSubscriber(gateway.client, token('dev-mx-anam-subscriber'), {
      subscription,
      feeds: [`us-to-mx/${US_TOPIC}`],
      payloadFormat: PayloadFormat.AVRO_JSON,
      startPosition: StartPosition.LATEST,
      maxUnacked: 100,
      maxBatchSize: 10,
      purposes: ['CUSTOMS'],
    });
    await waitFor(anam.started, 30_000, 'ANAM subscribed');
    const us = example('us-northbound-laredo.json', US_TOPIC);
    publishedFrom = new Date(Date.now() - 1_000);
    for (let i = 0; i < 3; i++) {
      const manifest: CargoManifest = {
        ...us,
        manifestId: `CONSOLE-${RUN}-${i}`,
        meta: { ...us.meta, eventId: randomUUID() },
      };
      usEvents.push(await publish(US_TOPIC, manifest, 'dev-us-cbp-publisher'));
    }
    const mx = example('mx-southbound-ciudad-juarez.json', MX_TOPIC);
    mxEvent = await publish(
      MX_TOPIC,
      {
        ...mx,
        manifestId: `CONSOLE-MX-${RUN}`,
        meta: { ...mx.meta, eventId: randomUUID() },
        consignor: { ...mx.consignor, address: { ...mx.consignor.address!, street: MX_RAW_STREET } },
        driver: {
          ...mx.driver!,
          documents: mx.driver!.documents.map((d, i) => (i === 0 ? { ...d, documentNumber: MX_RAW_DOCUMENT } : d)),
        },
      },
      'dev-mx-anam-publisher',
    );
    await waitFor(() => anam.received.length >= 3, 30_000, 'ANAM receiving the three manifests');

    consoleServer = createConsoleServer({ gatewayAddress: gateway.address, port: 0, sampleIntervalMs: 500 });
    await consoleServer.start();
    browser = await launchTestBrowser();
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await consoleServer?.stop();
    anam?.call.cancel();
    await audit?.stop();
    await gateway?.stop(1_000);
    await ledger?.close();
    await bus?.stop();
  });

  const heading = () => page.locator('main h1').textContent();
  const mainText = () => page.locator('main').innerText();
  async function visit(hash: string, h1: string): Promise<void> {
    await page.goto(`${consoleServer.url}/#/${hash}`);
    await page.locator('main h1', { hasText: h1 }).waitFor();
  }

  it('refuses an unknown token and a non-operator’s, with a clear message', async () => {
    await page.goto(consoleServer.url);
    await page.locator('#token').fill('dev.not-a-token.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');
    await page.locator('#token').press('Enter');
    await page.getByRole('alert').filter({ hasText: 'The gateway does not know this token.' }).waitFor();
    await page.locator('#token').fill(token('dev-mx-anam-subscriber'));
    await page.locator('#token').press('Enter');
    await page.getByRole('alert').filter({ hasText: 'This token does not belong to an operator.' }).waitFor();
    const api = await page.request.get(`${consoleServer.url}/api/topics`);
    expect(api.status()).toBe(401);
    await screenshot(page, 'sign-in-en');
  });

  it('signs in and finds who received an event with the keyboard alone', async () => {
    await page.goto(consoleServer.url);
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
    await page.keyboard.type(usEvents[0]!);
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
    expect(receipts).toContain(subscription);
    expect(receipts).toContain('us-to-mx');
  });

  it('shows topics, records, lag, the simulator and the ledger with real data, and saves screenshots', async () => {
    await visit('topics', 'Topics');
    await page.locator('table.topics').waitFor();
    const topics = await mainText();
    expect(topics).toContain(US_TOPIC);
    expect(topics).toMatch(/mx\.cargo-manifests\.v1\s+events\s+MX\s+as shared under mx-to-us/);
    await page.getByRole('button', { name: US_TOPIC, exact: true }).click();
    await page.locator('#topic-detail').waitFor();
    expect(await page.locator('main').innerText()).toMatch(/Partition\s+Leader/);
    await screenshot(page, 'topics-en');

    await visit(`messages?topic=${US_TOPIC}`, 'Messages');
    await page.getByLabel('by event id').check();
    await page.locator('input[name=eventId]').fill(usEvents[1]!);
    await page.getByRole('button', { name: 'Search' }).click();
    // The page first shows the newest records; the search by event id then leaves exactly one.
    await page.locator('main h2', { hasText: /^Records: 1$/ }).waitFor();
    expect(await page.locator('article.record').count()).toBe(1);
    const stored = await page.locator('article.record').innerText();
    expect(stored).toContain(`CONSOLE-${RUN}-1`);
    expect(stored).toContain(US_VIN);
    // The same record as the MX partner receives it: the VIN withheld, the document numbers hashed.
    await page.locator('select[name=preview]').selectOption('us-to-mx');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('article.record', { hasText: 'usmx-dev-1:' }).waitFor();
    expect(await page.locator('article.record').innerText()).not.toContain(US_VIN);
    await screenshot(page, 'messages-en');

    await visit('lag', 'Lag');
    await page.locator('#lag-chart canvas').waitFor();
    const lag = await mainText();
    expect(lag).toContain(subscription);
    expect(lag).toMatch(new RegExp(`MX ANAM\\s+${subscription}\\s+yes`));
    await screenshot(page, 'lag-en');

    await visit(`simulator?topic=${US_TOPIC}&eventId=${usEvents[2]}`, 'Policy simulator');
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

    // A gateway error is shown with its reason, translated, and the gateway's own words beside it.
    await visit(`simulator?topic=${US_TOPIC}&eventId=${randomUUID()}`, 'Policy simulator');
    const alert = page.getByRole('alert');
    await alert.filter({ hasText: 'No record of this topic carries that event id.' }).waitFor();

    await visit('ledger', 'Disclosure ledger');
    await page.locator('p.decision', { hasText: 'Intact' }).waitFor();
    await waitFor(
      async () => {
        const list = page.locator('table.receipts[aria-label="Disclosures"]');
        if ((await list.count()) > 0 && (await list.innerText()).includes(usEvents[2]!)) return true;
        await page.getByRole('button', { name: 'List' }).click();
        return false;
      },
      30_000,
      'the disclosures listed',
    );
    await screenshot(page, 'ledger-en');
  });

  it('pastes an event into the simulator through the API and gets each partner’s view', async () => {
    const records = await page.request.get(`${consoleServer.url}/api/records?topic=${US_TOPIC}&eventId=${usEvents[0]}`);
    const payload = (await records.json()).records[0].payload;
    const answer = await page.request.post(`${consoleServer.url}/api/explain`, {
      data: { topic: US_TOPIC, event: JSON.stringify(payload) },
    });
    expect(answer.status()).toBe(200);
    const { explanations } = await answer.json();
    const usToMx = explanations.find((x: { agreementId: string }) => x.agreementId === 'us-to-mx');
    expect(usToMx.decision).toBe('RELEASE');
    expect(JSON.stringify(usToMx.viewPayload)).not.toContain(US_VIN);
    // A time range finds them too (the Messages page's third way to search).
    const range = `from=${publishedFrom.toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}&limit=500`;
    const inRange = await page.request.get(`${consoleServer.url}/api/records?topic=${US_TOPIC}&${range}`);
    const ids = (await inRange.json()).records.map((r: { eventId: string }) => r.eventId);
    expect(ids).toEqual(expect.arrayContaining(usEvents));
    const bad = await page.request.post(`${consoleServer.url}/api/explain`, {
      data: { topic: US_TOPIC, event: '{"meta": ' },
    });
    expect(bad.status()).toBe(400);
    expect((await bad.json()).error.message).toMatch(/^event: is not valid JSON/);
  });

  it('switches every page to Spanish, with dates and numbers in the Mexican locale', async () => {
    await visit('topics', 'Topics');
    await page.getByRole('button', { name: 'Español' }).click();
    await page.locator('main h1', { hasText: 'Tópicos' }).waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('es');
    expect(await page.locator('nav').innerText()).toMatch(/Mensajes[\s\S]*Retraso[\s\S]*Simulador de políticas/);
    expect(await mainText()).toContain('como se comparte según mx-to-us');
    await page.locator('table.topics').waitFor();
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
    expect(await mainText()).toContain('Suscripciones');
    await screenshot(page, 'lag-es');

    await visit(`simulator?topic=${US_TOPIC}&eventId=${usEvents[2]}`, 'Simulador de políticas');
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
    expect(await heading()).toBe('Sign in');
  });

  it('never shows the US operator Mexico’s raw records, in the page or from the API asked directly', async () => {
    await page.request.delete(`${consoleServer.url}/api/session`);
    await page.goto(consoleServer.url);
    await page.locator('#token').fill(token('dev-us-cbp-operator'));
    await page.locator('#token').press('Enter');
    await page.locator('main h1', { hasText: 'Topics' }).waitFor();
    await visit(`messages?topic=${MX_TOPIC}&view=mx-to-us`, 'Messages');
    await page.getByLabel('by event id').check();
    await page.locator('input[name=eventId]').fill(mxEvent);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('article.record', { hasText: `CONSOLE-MX-${RUN}` }).waitFor();
    const shown = await page.content();
    expect(shown).toContain('usmx-dev-1:');
    expect(shown).not.toContain(MX_RAW_STREET);
    expect(shown).not.toContain(MX_RAW_DOCUMENT);

    const asUs = async (path: string) => {
      const response = await page.request.get(`${consoleServer.url}${path}`);
      return { status: response.status(), text: await response.text() };
    };
    for (const path of [
      `/api/records?topic=${MX_TOPIC}&eventId=${mxEvent}&raw=1`,
      `/api/records?topic=${MX_TOPIC}&eventId=${mxEvent}`,
      `/api/records?topic=${MX_TOPIC}&eventId=${mxEvent}&view=us-to-mx`,
      `/api/records?topic=${MX_TOPIC}&limit=500`,
      `/api/topic?topic=${MX_TOPIC}`,
    ]) {
      const answer = await asUs(path);
      expect(answer.text, path).not.toContain(MX_RAW_STREET);
      expect(answer.text, path).not.toContain(MX_RAW_DOCUMENT);
    }
    const explain = await page.request.post(`${consoleServer.url}/api/explain`, {
      data: { topic: MX_TOPIC, eventId: mxEvent },
    });
    expect(explain.status()).toBe(403);
    expect(await explain.text()).not.toContain(MX_RAW_STREET);

    // The control: Mexico's own operator does see the raw values, so their absence above means something.
    const signIn = await fetch(`${consoleServer.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: token('dev-mx-anam-operator') }),
    });
    const cookie = signIn.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
    expect(await signIn.text()).not.toContain('dev.mx-anam-operator');
    const raw = await fetch(`${consoleServer.url}/api/records?topic=${MX_TOPIC}&eventId=${mxEvent}`, {
      headers: { cookie: cookie.split(';')[0]! },
    });
    const rawText = await raw.text();
    expect(rawText).toContain(MX_RAW_STREET);
    expect(rawText).toContain(MX_RAW_DOCUMENT);
  });
});
