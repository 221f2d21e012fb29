// The disclosure ledger of the operator's country: verify the hash chain and its signed
// checkpoints, who received one event, and the disclosures filtered by agreement, recipient, time.
import { html, nothing, type TemplateResult } from 'lit-html';

import { api, query } from '../api.js';
import { formatDate, formatNumber, t } from '../i18n.js';
import type { Page } from '../page.js';
import { errorBox, type Load, load, loading, update } from '../view.js';

interface Receipt {
  entry: string;
  kind: 'DELIVERY' | 'RETRACTION';
  eventId: string;
  topic: string;
  recipientCountry: string;
  recipientAgency: string;
  subscription: string;
  agreementId: string;
  agreementVersion: string;
  ruleId: string;
  fieldsReleased: string[];
  fieldsTransformed: { path: string; action: string; method?: string }[];
  fieldsRemoved: string[];
  deliveredAt?: string;
}

interface Verify {
  intact: boolean;
  entryCount: string;
  entriesChecked: string;
  headHash: string;
  problem: string;
  checkpoints: {
    checkpointId: string;
    entryCount: string;
    signedAt?: string;
    keyId: string;
    valid: boolean;
    problem: string;
  }[];
}

const verify: Load<Verify> = { busy: false };
const who: Load<Receipt[]> = { busy: false };
const list: Load<{ receipts: Receipt[]; nextPageToken: string }> = { busy: false };
const form = { eventId: '', agreement: '', recipientCountry: '', recipientAgency: '' };

function lookUp(): void {
  void load(
    who,
    async () =>
      (await api<{ receipts?: Receipt[] }>(`/api/ledger/who-received${query({ eventId: form.eventId.trim() })}`))
        .receipts ?? [],
  );
}

function listDisclosures(pageToken = ''): void {
  const previous = pageToken ? (list.value?.receipts ?? []) : [];
  void load(list, async () => {
    const answer = await api<{ receipts?: Receipt[]; nextPageToken?: string }>(
      `/api/ledger/disclosures${query({ ...form, eventId: undefined, limit: 50, pageToken })}`,
    );
    return { receipts: [...previous, ...(answer.receipts ?? [])], nextPageToken: answer.nextPageToken ?? '' };
  });
}

function receiptsTable(receipts: Receipt[], label: string): TemplateResult {
  return html`<table class="receipts" aria-label=${label}>
    <thead>
      <tr>
        <th scope="col">${t('ledger.entry')}</th>
        <th scope="col">${t('ledger.kind')}</th>
        <th scope="col">${t('ledger.recipient')}</th>
        <th scope="col">${t('ledger.agreement')}</th>
        <th scope="col">${t('ledger.event')}</th>
        <th scope="col">${t('ledger.released')}</th>
        <th scope="col">${t('ledger.transformed')}</th>
        <th scope="col">${t('ledger.removed')}</th>
        <th scope="col">${t('ledger.deliveredAt')}</th>
      </tr>
    </thead>
    <tbody>
      ${receipts.map(
        (r) =>
          html`<tr>
            <td class="num">${formatNumber(r.entry)}</td>
            <td>${t(`ledger.kind.${r.kind}`)}</td>
            <td>${r.recipientCountry} ${r.recipientAgency} <small>${r.subscription}</small></td>
            <td>${r.agreementId} v${r.agreementVersion} <small>${r.ruleId}</small></td>
            <td><code>${r.eventId}</code><br /><small>${r.topic}</small></td>
            <td class="num">${formatNumber(r.fieldsReleased.length)}</td>
            <td>
              ${r.fieldsTransformed.map((f) => `${f.path} (${f.action}${f.method ? ` ${f.method}` : ''})`).join(', ')}
            </td>
            <td>${r.fieldsRemoved.join(', ')}</td>
            <td>${formatDate(r.deliveredAt)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function verifyView(v: Verify): TemplateResult {
  return html`<p class="decision ${v.intact ? 'ok' : 'bad'}" role="status">
      <strong>${v.intact ? t('ledger.intact') : t('ledger.broken')}</strong>
    </p>
    <dl class="inline">
      <dt>${t('ledger.entries')}</dt>
      <dd>${formatNumber(v.entryCount)}</dd>
      <dt>${t('ledger.checked')}</dt>
      <dd>${formatNumber(v.entriesChecked)}</dd>
      <dt>${t('ledger.head')}</dt>
      <dd><code>${v.headHash || '—'}</code></dd>
      ${
        v.problem
          ? html`<dt>${t('ledger.problem')}</dt>
              <dd>${v.problem}</dd>`
          : nothing
      }
    </dl>
    ${
      v.checkpoints.length > 0
        ? html`<table aria-label=${t('ledger.checkpoints')}>
            <thead>
              <tr>
                <th scope="col">${t('ledger.checkpoint')}</th>
                <th scope="col">${t('ledger.entries')}</th>
                <th scope="col">${t('ledger.signedAt')}</th>
                <th scope="col">${t('ledger.valid')}</th>
              </tr>
            </thead>
            <tbody>
              ${v.checkpoints.slice(-20).map(
                (c) =>
                  html`<tr>
                    <td><code>${c.checkpointId}</code></td>
                    <td class="num">${formatNumber(c.entryCount)}</td>
                    <td>${formatDate(c.signedAt)}</td>
                    <td>${c.valid ? t('app.yes') : `${t('app.no')}: ${c.problem}`}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : nothing
    }`;
}

const bind = (name: keyof typeof form) => (event: Event) => {
  form[name] = (event.target as HTMLInputElement).value;
};

export const ledgerPage: Page = {
  enter(params) {
    who.value = undefined;
    who.error = undefined;
    void load(verify, () => api<Verify>('/api/ledger/verify'));
    listDisclosures();
    if (params.get('eventId')) {
      form.eventId = params.get('eventId') ?? '';
      lookUp();
    }
  },
  view() {
    return html`<h1 tabindex="-1">${t('ledger.title')}</h1>
      <section aria-labelledby="verify-title">
        <h2 id="verify-title">${t('ledger.verify')}</h2>
        <button type="button" @click=${() => void load(verify, () => api<Verify>('/api/ledger/verify'))}>
          ${t('ledger.verifyRun')}
        </button>
        ${errorBox(verify.error)} ${verify.busy ? loading() : nothing}
        ${verify.value ? verifyView(verify.value) : nothing}
      </section>
      <section aria-labelledby="who-title">
        <h2 id="who-title">${t('ledger.who')}</h2>
        <form class="search" @submit=${(e: Event) => (e.preventDefault(), lookUp())}>
          <label
            >${t('ledger.eventId')} <input name="eventId" .value=${form.eventId} @input=${bind('eventId')} required
          /></label>
          <button type="submit">${t('ledger.whoRun')}</button>
        </form>
        ${errorBox(who.error)} ${who.busy ? loading() : nothing}
        ${who.value ? (who.value.length === 0 ? html`<p>${t('ledger.nobody')}</p>` : receiptsTable(who.value, t('ledger.who'))) : nothing}
      </section>
      <section aria-labelledby="list-title">
        <h2 id="list-title">${t('ledger.list')}</h2>
        <form class="search" @submit=${(e: Event) => (e.preventDefault(), listDisclosures())}>
          <label
            >${t('ledger.agreement')} <input name="agreement" .value=${form.agreement} @input=${bind('agreement')}
          /></label>
          <label
            >${t('ledger.recipientCountry')}
            <select
              name="recipientCountry"
              @change=${(e: Event) => ((form.recipientCountry = (e.target as HTMLSelectElement).value), update())}
            >
              <option value="">${t('ledger.any')}</option>
              <option value="US">US</option>
              <option value="MX">MX</option>
            </select></label
          >
          <label
            >${t('ledger.recipientAgency')}
            <input name="recipientAgency" .value=${form.recipientAgency} @input=${bind('recipientAgency')}
          /></label>
          <button type="submit">${t('ledger.listRun')}</button>
        </form>
        ${errorBox(list.error)} ${list.busy ? loading() : nothing}
        ${
          list.value
            ? html`${list.value.receipts.length === 0 ? html`<p>${t('app.none')}</p>` : receiptsTable(list.value.receipts, t('ledger.list'))}
              ${list.value.nextPageToken ? html`<button type="button" @click=${() => listDisclosures(list.value?.nextPageToken)}>${t('app.nextPage')}</button>` : nothing}`
            : nothing
        }
      </section>`;
  },
};
