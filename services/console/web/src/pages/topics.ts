// Topics: what the operator may inspect, how it sees each (as stored, or as a partner's view),
// sizes and rates; one topic's partitions, schema, retention and configuration on demand.
import { html, nothing, type TemplateResult } from 'lit-html';

import { api, query } from '../api.js';
import { formatDuration, formatNumber, t } from '../i18n.js';
import type { Page } from '../page.js';
import { errorBox, type Load, load, loading } from '../view.js';

export interface TopicSummary {
  name: string;
  kind: 'EVENTS' | 'DEAD_LETTER' | 'AUDIT';
  originCountry?: string;
  access: 'RAW' | 'VIEW';
  viewAgreementId?: string;
  partitionCount: number;
  approximateRecordCount: string;
  valueSubject?: string;
  latestSchemaId?: number;
  ratePerSecond: number | null;
}

interface TopicDetail {
  topic: TopicSummary;
  partitions: {
    partition: number;
    leader: number;
    replicas: number[];
    inSyncReplicas: number[];
    startOffset: string;
    endOffset: string;
  }[];
  schema?: { subject: string; schemaId: number; version: number; schema: string };
  retention?: { maxAge?: { seconds: string }; maxBytes?: string; cleanupPolicy: string };
  config: Record<string, string>;
  deadLetterTopic: string;
}

const list: Load<{ topics: TopicSummary[] }> = { busy: false };
const detail: Load<TopicDetail> = { busy: false };

export function accessText(topic: { access: string; viewAgreementId?: string | undefined }): string {
  return topic.access === 'VIEW' ? t('access.VIEW', { agreement: topic.viewAgreementId ?? '' }) : t('access.RAW');
}

function openDetail(topic: TopicSummary): void {
  void load(detail, () =>
    api<TopicDetail>(`/api/topic${query({ topic: topic.name, view: topic.viewAgreementId })}`),
  ).then(() => document.getElementById('topic-detail')?.focus());
}

function detailView(value: TopicDetail): TemplateResult {
  const { topic, partitions, schema, retention, config } = value;
  const maxAge = retention?.maxAge ? Number(retention.maxAge.seconds) : undefined;
  return html`<section aria-labelledby="topic-detail">
    <h2 id="topic-detail" tabindex="-1">${t('topics.details', { topic: topic.name })}</h2>
    <p>
      ${accessText(topic)} ·
      <a href="#/messages${query({ topic: topic.name, view: topic.viewAgreementId })}">${t('topics.browse')}</a>
    </p>
    <table>
      <thead>
        <tr>
          <th scope="col">${t('topics.partition')}</th>
          <th scope="col">${t('topics.leader')}</th>
          <th scope="col">${t('topics.replicas')}</th>
          <th scope="col">${t('topics.inSync')}</th>
          <th scope="col">${t('topics.start')}</th>
          <th scope="col">${t('topics.end')}</th>
        </tr>
      </thead>
      <tbody>
        ${partitions.map(
          (p) =>
            html`<tr>
              <td>${p.partition}</td>
              <td>${p.leader}</td>
              <td>${p.replicas.join(', ')}</td>
              <td>${p.inSyncReplicas.join(', ')}</td>
              <td class="num">${formatNumber(p.startOffset)}</td>
              <td class="num">${formatNumber(p.endOffset)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <dl>
      <dt>${t('topics.retention')}</dt>
      <dd>
        ${maxAge === undefined ? t('topics.retentionForever') : t('topics.retentionAge', { age: formatDuration(maxAge) })}
      </dd>
      <dt>${t('topics.cleanup')}</dt>
      <dd>${retention?.cleanupPolicy ?? '—'}</dd>
      ${
        value.deadLetterTopic
          ? html`<dt>${t('topics.deadLetter')}</dt>
              <dd>${value.deadLetterTopic}</dd>`
          : nothing
      }
      ${Object.entries(config).map(
        ([k, v]) =>
          html`<dt>${t('topics.config')}: ${k}</dt>
            <dd>${v}</dd>`,
      )}
    </dl>
    ${
      schema
        ? html`<details>
            <summary>
              ${t('topics.schemaText')}: ${schema.subject} #${schema.schemaId}
              (${t('topics.version', { version: schema.version })})
            </summary>
            <pre class="json" tabindex="0">${schema.schema}</pre>
          </details>`
        : nothing
    }
  </section>`;
}

export const topicsPage: Page = {
  enter() {
    detail.value = undefined;
    detail.error = undefined;
    void load(list, () => api<{ topics: TopicSummary[] }>('/api/topics'));
  },
  view() {
    return html`<h1 tabindex="-1">${t('topics.title')}</h1>
      <button type="button" @click=${() => void load(list, () => api<{ topics: TopicSummary[] }>('/api/topics'))}>
        ${t('app.refresh')}
      </button>
      ${errorBox(list.error)} ${list.busy && !list.value ? loading() : nothing}
      ${
        list.value
          ? html`<table class="topics">
              <thead>
                <tr>
                  <th scope="col">${t('topics.name')}</th>
                  <th scope="col">${t('topics.kind')}</th>
                  <th scope="col">${t('topics.origin')}</th>
                  <th scope="col">${t('topics.access')}</th>
                  <th scope="col">${t('topics.partitions')}</th>
                  <th scope="col">${t('topics.records')}</th>
                  <th scope="col">${t('topics.rate')}</th>
                  <th scope="col">${t('topics.schema')}</th>
                </tr>
              </thead>
              <tbody>
                ${list.value.topics.map(
                  (topic) =>
                    html`<tr>
                      <th scope="row">
                        <button type="button" class="link" @click=${() => openDetail(topic)}>${topic.name}</button>
                      </th>
                      <td>${t(`kind.${topic.kind}`)}</td>
                      <td>${topic.originCountry ?? '—'}</td>
                      <td>${accessText(topic)}</td>
                      <td class="num">${formatNumber(topic.partitionCount)}</td>
                      <td class="num">${formatNumber(topic.approximateRecordCount)}</td>
                      <td class="num">${topic.ratePerSecond === null ? '—' : formatNumber(topic.ratePerSecond, 1)}</td>
                      <td>${topic.valueSubject ?? '—'}${topic.latestSchemaId ? ` #${topic.latestSchemaId}` : ''}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
          : nothing
      }
      ${errorBox(detail.error)} ${detail.value ? detailView(detail.value) : nothing}`;
  },
};
