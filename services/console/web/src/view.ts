// Pieces every page shares: the error box (the reason translated, the gateway's words beside it),
// decoded JSON, and the app's redraw hook.
import { html, nothing, type TemplateResult } from 'lit-html';

import { isMessageKey } from '../i18n/index.js';
import { ApiError } from './api.js';
import { t } from './i18n.js';

let redraw: () => void = () => undefined;

export function setRedraw(fn: () => void): void {
  redraw = fn;
}

/** Asks the app to draw again after a page's state changed. */
export function update(): void {
  redraw();
}

export function errorBox(error: unknown): TemplateResult | typeof nothing {
  if (error === undefined || error === null) return nothing;
  const reason = error instanceof ApiError ? error.reason : 'UNKNOWN';
  const key = `error.${reason}`;
  const message = error instanceof Error ? error.message : JSON.stringify(error);
  return html`<div class="error" role="alert">
    <strong>${t('error.title')}:</strong> ${isMessageKey(key) ? t(key) : t('error.generic')}
    <div class="detail">${t('error.detail')} <code>${message}</code></div>
  </div>`;
}

export function jsonBlock(value: unknown, label: string): TemplateResult {
  return html`<pre class="json" tabindex="0" aria-label=${label}>${JSON.stringify(value, null, 2)}</pre>`;
}

export function loading(): TemplateResult {
  return html`<p aria-live="polite">${t('app.loading')}</p>`;
}

/** A page's async state: the value, the error, or neither while loading. */
export interface Load<T> {
  value?: T | undefined;
  error?: unknown;
  busy: boolean;
  /** The latest call's number: an older call answering late must not overwrite a newer one. */
  seq?: number;
}

export async function load<T>(state: Load<T>, work: () => Promise<T>): Promise<void> {
  const seq = (state.seq ?? 0) + 1;
  state.seq = seq;
  state.busy = true;
  state.error = undefined;
  update();
  try {
    const value = await work();
    if (state.seq === seq) state.value = value;
  } catch (error) {
    if (state.seq === seq) state.error = error;
  } finally {
    if (state.seq === seq) state.busy = false;
    update();
  }
}
