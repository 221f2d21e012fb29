// Policy simulator: an event of the operator's own country (stored, by id, or pasted) beside what
// each partner would receive, with every field's action. Nothing is disclosed or recorded.
import { html, nothing, type TemplateResult } from 'lit-html';

import { api, query } from '../api.js';
import { t } from '../i18n.js';
import type { Page } from '../page.js';
import { errorBox, jsonBlock, type Load, load, loading, update } from '../view.js';
import type { TopicSummary } from './topics.js';

interface FieldDecision {
  path: string;
  action: 'KEEP' | 'DROP' | 'MASK' | 'GENERALIZE' | 'HASH';
  transform?: string;
  rule?: string;
  byDefault?: boolean;
}

interface Explanation {
  agreementId: string;
  agreementVersion: string;
  recipients: { country: string; agency: string }[];
  decision: 'RELEASE' | 'WITHHOLD';
  decidingRule?: string;
  summary: string;
  gate?: string;
  fields: FieldDecision[];
  viewPayload: unknown;
}

const topics: Load<TopicSummary[]> = { busy: false };
const result: Load<{ original: unknown; explanations: Explanation[] }> = { busy: false };
const form = { topic: '', source: 'stored' as 'stored' | 'pasted', eventId: '', json: '' };

function explain(): void {
  void load(result, () =>
    api<{ original: unknown; explanations: Explanation[] }>('/api/explain', {
      method: 'POST',
      body:
        form.source === 'stored'
          ? { topic: form.topic, eventId: form.eventId.trim() }
          : { topic: form.topic, event: form.json },
    }),
  );
}

async function useNewest(): Promise<void> {
  const answer = await api<{ records?: { eventId: string }[] }>(
    `/api/records${query({ topic: form.topic, limit: 1 })}`,
  );
  const newest = answer.records?.at(-1);
  if (newest) {
    form.source = 'stored';
    form.eventId = newest.eventId;
    update();
  }
}

function gateText(gate: string | undefined): string {
  const key = `gate.${gate ?? ''}`;
  return ['VALIDITY', 'RECIPIENT', 'RELEASABILITY', 'CEILING', 'PURPOSE', 'DECLARED_PURPOSE'].includes(gate ?? '')
    ? t(key as 'gate.VALIDITY')
    : '';
}

/** One partner's column: the decision and the view it would receive, beside the original. */
function explanationView(x: Explanation): TemplateResult {
  const recipients = x.recipients.map((r) => `${r.country}${r.agency ? ` ${r.agency}` : ''}`).join(', ');
  return html`<section class="partner" aria-label=${x.agreementId}>
    <h2>${t('sim.partner', { agreement: x.agreementId, version: x.agreementVersion, recipients })}</h2>
    <p class="decision ${x.decision === 'RELEASE' ? 'ok' : 'bad'}">
      <strong>${t(`sim.decision.${x.decision}`)}</strong>
      ${x.decidingRule ? html` — ${t('sim.rule')}: <code>${x.decidingRule}</code>` : nothing}
      ${gateText(x.gate) ? html` — ${t('sim.gate')}: ${gateText(x.gate)}` : nothing}
    </p>
    <p class="summary">${x.summary}</p>
    ${
      x.viewPayload
        ? html`<h3>${t('sim.view')}</h3>
            ${jsonBlock(x.viewPayload, `${t('sim.view')}: ${x.agreementId}`)}`
        : nothing
    }
  </section>`;
}

/** Every field's action under one agreement, full width below the columns. */
function fieldsView(x: Explanation): TemplateResult | typeof nothing {
  if (x.fields.length === 0) return nothing;
  return html`<table
    class="fields"
    data-agreement=${x.agreementId}
    aria-label=${`${t('sim.fields')}: ${x.agreementId}`}
  >
    <caption>
      ${t('sim.fields')}: ${x.agreementId}
    </caption>
    <thead>
      <tr>
        <th scope="col">${t('sim.field')}</th>
        <th scope="col">${t('sim.action')}</th>
        <th scope="col">${t('sim.byRule')}</th>
      </tr>
    </thead>
    <tbody>
      ${x.fields.map(
        (f) =>
          html`<tr data-path=${f.path} data-action=${f.action}>
            <th scope="row"><code>${f.path}</code></th>
            <td class="action-${f.action.toLowerCase()}">
              ${t(`action.${f.action}`)}${f.transform ? ` (${f.transform})` : ''}
            </td>
            <td>${f.byDefault ? t('sim.byDefault') : (f.rule ?? '')}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export const simulatorPage: Page = {
  enter(params) {
    result.value = undefined;
    result.error = undefined;
    if (params.get('topic')) form.topic = params.get('topic') ?? '';
    if (params.get('eventId')) {
      form.eventId = params.get('eventId') ?? '';
      form.source = 'stored';
    }
    void load(topics, async () =>
      (await api<{ topics: TopicSummary[] }>('/api/topics')).topics.filter(
        (tp) => tp.access === 'RAW' && tp.kind === 'EVENTS',
      ),
    ).then(() => {
      if (!topics.value?.some((tp) => tp.name === form.topic)) form.topic = topics.value?.[0]?.name ?? '';
      update();
      if (params.get('eventId')) explain();
    });
  },
  view() {
    const answer = result.value;
    return html`<h1 tabindex="-1">${t('sim.title')}</h1>
      <p>${t('sim.intro')}</p>
      ${errorBox(topics.error)}
      <form class="search" @submit=${(e: Event) => (e.preventDefault(), explain())}>
        <label
          >${t('sim.topic')}
          <select
            name="topic"
            @change=${(e: Event) => ((form.topic = (e.target as HTMLSelectElement).value), update())}
          >
            ${(topics.value ?? []).map((tp) => html`<option value=${tp.name} ?selected=${tp.name === form.topic}>${tp.name}</option>`)}
          </select></label
        >
        <fieldset>
          <legend>${t('sim.source')}</legend>
          ${(['stored', 'pasted'] as const).map(
            (source) =>
              html`<label class="choice"
                ><input
                  type="radio"
                  name="source"
                  value=${source}
                  .checked=${form.source === source}
                  @change=${() => ((form.source = source), update())}
                />
                ${t(source === 'stored' ? 'sim.stored' : 'sim.pasted')}</label
              >`,
          )}
        </fieldset>
        ${
          form.source === 'stored'
            ? html`<label
                  >${t('sim.eventId')}
                  <input
                    name="eventId"
                    .value=${form.eventId}
                    @input=${(e: Event) => (form.eventId = (e.target as HTMLInputElement).value)}
                /></label>
                <button type="button" @click=${() => void useNewest()}>${t('sim.newest')}</button>`
            : html`<label class="block"
                >${t('sim.json')}<textarea
                  name="event"
                  rows="12"
                  .value=${form.json}
                  @input=${(e: Event) => (form.json = (e.target as HTMLTextAreaElement).value)}
                ></textarea>
              </label>`
        }
        <button type="submit">${t('sim.run')}</button>
      </form>
      ${errorBox(result.error)} ${result.busy ? loading() : nothing}
      ${
        answer
          ? html`<div class="side-by-side">
                <section class="original" aria-label=${t('sim.original')}>
                  <h2>${t('sim.original')}</h2>
                  ${jsonBlock(answer.original, t('sim.original'))}
                </section>
                ${answer.explanations.length === 0 ? html`<p>${t('sim.noAgreements')}</p>` : answer.explanations.map(explanationView)}
              </div>
              ${answer.explanations.map(fieldsView)}`
          : nothing
      }`;
  },
};
