// Messages: decoded records of a topic — the newest, by key, by event id or by time range — as the
// operator may see them; an own topic can also be previewed exactly as a partner receives it.
import { html, nothing, type TemplateResult } from 'lit-html';

import { api, query } from '../api.js';
import { formatDate, formatNumber, t } from '../i18n.js';
import type { Me, Page } from '../page.js';
import { errorBox, jsonBlock, type Load, load, loading, update } from '../view.js';
import { accessText, type TopicSummary } from './topics.js';

export interface Agreement {
  agreementId: string;
  version: string;
  ownerCountry: string;
  recipientCountry: string;
  recipientAgencies: string[];
  topics: { topic: string }[];
}

interface BrowsedRecord {
  partition: number;
  offset: string;
  key: string;
  timestamp?: string;
  eventId: string;
  schemaId: number;
  payload: unknown;
  decodeError: string;
}

type Mode = 'newest' | 'key' | 'eventId' | 'time';

const topics: Load<TopicSummary[]> = { busy: false };
const agreements: Load<Agreement[]> = { busy: false };
const records: Load<{ records: BrowsedRecord[]; nextPageToken: string }> = { busy: false };
const form = {
  topic: '',
  view: '',
  preview: '',
  mode: 'newest' as Mode,
  key: '',
  eventId: '',
  from: '',
  to: '',
  limit: 20,
};

const selected = () =>
  topics.value?.find((tp) => `${tp.name}|${tp.viewAgreementId ?? ''}` === `${form.topic}|${form.view}`);

function loadAgreements(me: Me): void {
  const topic = selected();
  agreements.value = [];
  if (!topic || topic.access !== 'RAW') return update();
  void load(agreements, async () =>
    (await api<{ agreements: Agreement[] }>(`/api/agreements${query({ topic: topic.name })}`)).agreements.filter(
      (a) => a.ownerCountry === me.country,
    ),
  );
}

/** datetime-local text is local time; the API takes an instant. */
const instant = (local: string) => (local === '' ? undefined : new Date(local).toISOString());

function search(pageToken = ''): void {
  const view = form.view || form.preview;
  const q = query({
    topic: form.topic,
    view,
    limit: form.limit,
    key: form.mode === 'key' ? form.key : undefined,
    eventId: form.mode === 'eventId' ? form.eventId.trim() : undefined,
    from: form.mode === 'time' ? instant(form.from) : undefined,
    to: form.mode === 'time' ? instant(form.to) : undefined,
    pageToken,
  });
  const previous = pageToken ? (records.value?.records ?? []) : [];
  void load(records, async () => {
    const answer = await api<{ records?: BrowsedRecord[]; nextPageToken?: string }>(`/api/records${q}`);
    return { records: [...previous, ...(answer.records ?? [])], nextPageToken: answer.nextPageToken ?? '' };
  });
}

function recordView(record: BrowsedRecord, me: Me): TemplateResult {
  const own = selected()?.access === 'RAW' && form.preview === '';
  return html`<article class="record">
    <h3>${t('messages.offset', { partition: record.partition, offset: formatNumber(record.offset) })}</h3>
    <dl class="inline">
      <dt>${t('messages.timestamp')}</dt>
      <dd>${formatDate(record.timestamp)}</dd>
      <dt>${t('messages.key')}</dt>
      <dd><code>${record.key}</code></dd>
      <dt>${t('messages.eventId')}</dt>
      <dd><code>${record.eventId || '—'}</code></dd>
      <dt>${t('messages.schemaId')}</dt>
      <dd>${record.schemaId}</dd>
    </dl>
    ${
      record.decodeError
        ? html`<p class="error">${t('messages.decodeError', { error: record.decodeError })}</p>`
        : jsonBlock(record.payload, `${record.partition}/${record.offset}`)
    }
    ${
      own && record.eventId && me
        ? html`<p>
            <a href="#/simulator${query({ topic: form.topic, eventId: record.eventId })}">${t('messages.simulate')}</a>
            ·
            <a href="#/ledger${query({ eventId: record.eventId })}">${t('messages.receivers')}</a>
          </p>`
        : nothing
    }
  </article>`;
}

const onInput = (name: keyof typeof form) => (event: Event) => {
  const value = (event.target as HTMLInputElement).value;
  (form as Record<string, unknown>)[name] = name === 'limit' ? Number(value) : value;
  update();
};

export const messagesPage: Page = {
  enter(params, me) {
    records.value = undefined;
    records.error = undefined;
    form.topic = params.get('topic') ?? form.topic;
    form.view = params.has('topic') ? (params.get('view') ?? '') : form.view;
    form.preview = '';
    void load(topics, async () => (await api<{ topics: TopicSummary[] }>('/api/topics')).topics).then(() => {
      if (!selected()) {
        const first = topics.value?.find((tp) => tp.kind === 'EVENTS');
        form.topic = first?.name ?? '';
        form.view = first?.viewAgreementId ?? '';
      }
      loadAgreements(me);
      if (form.topic) search();
    });
  },
  view(me) {
    const topic = selected();
    return html`<h1 tabindex="-1">${t('messages.title')}</h1>
      ${errorBox(topics.error)}
      <form class="search" @submit=${(e: Event) => (e.preventDefault(), search())}>
        <label
          >${t('messages.topic')}
          <select
            name="topic"
            @change=${(e: Event) => {
              const [name = '', view = ''] = (e.target as HTMLSelectElement).value.split('|');
              form.topic = name;
              form.view = view;
              form.preview = '';
              loadAgreements(me);
            }}
          >
            ${(topics.value ?? []).map((tp) => {
              const value = `${tp.name}|${tp.viewAgreementId ?? ''}`;
              return html`<option value=${value} ?selected=${value === `${form.topic}|${form.view}`}>
                ${tp.name} — ${accessText(tp)}
              </option>`;
            })}
          </select>
        </label>
        ${
          topic?.access === 'RAW' && (agreements.value ?? []).length > 0
            ? html`<label
                >${t('messages.viewAs')}
                <select name="preview" @change=${onInput('preview')}>
                  <option value="" ?selected=${form.preview === ''}>${t('messages.asStored')}</option>
                  ${(agreements.value ?? []).map(
                    (a) =>
                      html`<option value=${a.agreementId} ?selected=${form.preview === a.agreementId}>
                        ${t('messages.asPartner', { country: t(`country.${a.recipientCountry as 'US' | 'MX'}`), agreement: a.agreementId })}
                      </option>`,
                  )}
                </select></label
              >`
            : nothing
        }
        <fieldset>
          <legend>${t('messages.by')}</legend>
          ${(['newest', 'key', 'eventId', 'time'] as const).map(
            (mode) =>
              html`<label class="choice"
                ><input
                  type="radio"
                  name="mode"
                  value=${mode}
                  .checked=${form.mode === mode}
                  @change=${onInput('mode')}
                />
                ${t(mode === 'newest' ? 'messages.byNewest' : mode === 'key' ? 'messages.byKey' : mode === 'eventId' ? 'messages.byEventId' : 'messages.byTime')}</label
              >`,
          )}
        </fieldset>
        ${form.mode === 'key' ? html`<label>${t('messages.key')} <input name="key" .value=${form.key} @input=${onInput('key')} required /></label>` : nothing}
        ${form.mode === 'eventId' ? html`<label>${t('messages.eventId')} <input name="eventId" .value=${form.eventId} @input=${onInput('eventId')} required /></label>` : nothing}
        ${
          form.mode === 'time'
            ? html`<label
                  >${t('messages.from')}
                  <input type="datetime-local" step="1" name="from" .value=${form.from} @input=${onInput('from')}
                /></label>
                <label
                  >${t('messages.to')}
                  <input type="datetime-local" step="1" name="to" .value=${form.to} @input=${onInput('to')}
                /></label>`
            : nothing
        }
        <label
          >${t('messages.limit')}
          <input type="number" name="limit" min="1" max="500" .value=${String(form.limit)} @input=${onInput('limit')}
        /></label>
        <button type="submit">${t('app.search')}</button>
      </form>
      ${errorBox(records.error)} ${records.busy ? loading() : nothing}
      ${
        records.value
          ? html`<section aria-live="polite">
              <h2>${t('messages.count', { count: formatNumber(records.value.records.length) })}</h2>
              ${records.value.records.length === 0 ? html`<p>${t('app.none')}</p>` : nothing}
              ${records.value.records.map((r) => recordView(r, me))}
              ${
                records.value.nextPageToken
                  ? html`<button type="button" @click=${() => search(records.value?.nextPageToken)}>
                      ${t('app.nextPage')}
                    </button>`
                  : nothing
              }
            </section>`
          : nothing
      }`;
  },
};
