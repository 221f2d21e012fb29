// Lag: a chart of each subscription's and consumer group's total lag over the samples the server
// keeps, and tables of the current lag per partition. Refreshes every 5 s while open.
import 'uplot/dist/uPlot.min.css';

import { html, nothing, type TemplateResult } from 'lit-html';
import uPlot from 'uplot';

import { api } from '../api.js';
import { formatNumber, formatTime, t } from '../i18n.js';
import type { Page } from '../page.js';
import { errorBox, type Load, load, loading } from '../view.js';

interface PartitionLag {
  topic: string;
  partition: number;
  committedOffset?: string;
  endOffset: string;
  lag: string;
}

interface LagAnswer {
  subscriptions: {
    subscriber?: { country: string; agency: string };
    subscription: string;
    connected: boolean;
    totalLag: string;
    partitions: PartitionLag[];
  }[];
  consumerGroups: { groupId: string; state: string; members: number; totalLag: string; partitions: PartitionLag[] }[];
  history: { at: number; lag: Record<string, number> }[];
}

const state: Load<LagAnswer> = { busy: false };
let timer: number | undefined;
let chart: uPlot | undefined;

const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#bf3989', '#0a7ea4', '#57606a'];

/** Draws the chart after lit-html rendered its container (uPlot owns the container's children). */
function drawChart(answer: LagAnswer): void {
  requestAnimationFrame(() => {
    const container = document.getElementById('lag-chart');
    if (!container) return;
    chart?.destroy();
    chart = undefined;
    container.replaceChildren();
    const names = [...new Set(answer.history.flatMap((s) => Object.keys(s.lag)))].sort();
    if (answer.history.length === 0 || names.length === 0) return;
    const data: uPlot.AlignedData = [
      answer.history.map((s) => s.at / 1000),
      ...names.map((name) => answer.history.map((s) => s.lag[name] ?? null)),
    ];
    chart = new uPlot(
      {
        width: Math.max(320, Math.min(960, container.clientWidth || 800)),
        height: 280,
        fmtDate: () => (date: Date) => formatTime(date.getTime()),
        series: [
          { label: t('messages.timestamp'), value: (_u, v) => (v === null ? '—' : formatTime(v * 1000)) },
          ...names.map((name, i) => ({
            label: name,
            stroke: COLORS[i % COLORS.length] ?? '#000',
            width: 2,
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : formatNumber(v)),
          })),
        ],
        axes: [
          { space: 90, values: (_u, splits) => splits.map((v) => formatTime(v * 1000)) },
          { values: (_u, splits) => splits.map((v) => formatNumber(v)) },
        ],
      },
      data,
      container,
    );
  });
}

function refresh(): void {
  void load(state, () => api<LagAnswer>('/api/lag')).then(() => state.value && drawChart(state.value));
}

function partitionsText(partitions: PartitionLag[]): string {
  return partitions.map((p) => `${p.topic}[${p.partition}]: ${formatNumber(p.lag)}`).join('; ');
}

function tables(answer: LagAnswer): TemplateResult {
  return html`<h2>${t('lag.subscriptions')}</h2>
    ${
      answer.subscriptions.length === 0
        ? html`<p>${t('app.none')}</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">${t('lag.subscriber')}</th>
                <th scope="col">${t('lag.subscription')}</th>
                <th scope="col">${t('lag.connected')}</th>
                <th scope="col">${t('lag.total')}</th>
                <th scope="col">${t('lag.partitions')}</th>
              </tr>
            </thead>
            <tbody>
              ${answer.subscriptions.map(
                (s) =>
                  html`<tr>
                    <td>${s.subscriber?.country ?? ''} ${s.subscriber?.agency ?? ''}</td>
                    <th scope="row">${s.subscription}</th>
                    <td>${s.connected ? t('app.yes') : t('app.no')}</td>
                    <td class="num">${formatNumber(s.totalLag)}</td>
                    <td>${partitionsText(s.partitions)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }
    <h2>${t('lag.groups')}</h2>
    ${
      answer.consumerGroups.length === 0
        ? html`<p>${t('lag.noGroups')}</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">${t('lag.group')}</th>
                <th scope="col">${t('lag.state')}</th>
                <th scope="col">${t('lag.members')}</th>
                <th scope="col">${t('lag.total')}</th>
                <th scope="col">${t('lag.partitions')}</th>
              </tr>
            </thead>
            <tbody>
              ${answer.consumerGroups.map(
                (g) =>
                  html`<tr>
                    <th scope="row">${g.groupId}</th>
                    <td>${g.state}</td>
                    <td class="num">${formatNumber(g.members)}</td>
                    <td class="num">${formatNumber(g.totalLag)}</td>
                    <td>${partitionsText(g.partitions)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
}

export const lagPage: Page = {
  enter() {
    refresh();
    timer = window.setInterval(refresh, 5_000);
  },
  leave() {
    window.clearInterval(timer);
    chart?.destroy();
    chart = undefined;
  },
  view() {
    const answer = state.value;
    if (answer) drawChart(answer);
    return html`<h1 tabindex="-1">${t('lag.title')}</h1>
      <button type="button" @click=${refresh}>${t('app.refresh')}</button>
      ${errorBox(state.error)} ${state.busy && !answer ? loading() : nothing}
      ${
        answer
          ? html`<h2>${t('lag.chart')}</h2>
              ${answer.history.length === 0 ? html`<p>${t('lag.noHistory')}</p>` : nothing}
              <figure
                id="lag-chart"
                role="img"
                aria-label=${t('lag.chartLabel', { count: answer.history.length })}
              ></figure>
              ${tables(answer)}`
          : nothing
      }`;
  },
};
