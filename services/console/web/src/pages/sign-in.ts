// Sign-in: the operator's token goes to the console's server once, which checks it with the
// gateway and keeps it; the browser gets only a session cookie.
import { html, type TemplateResult } from 'lit-html';

import { api } from '../api.js';
import { t } from '../i18n.js';
import type { Me } from '../page.js';
import { errorBox, update } from '../view.js';

const state: { error?: unknown; busy: boolean } = { busy: false };

async function submit(event: SubmitEvent, onSignedIn: (me: Me) => void): Promise<void> {
  event.preventDefault();
  const form = event.target as HTMLFormElement;
  const input = form.elements.namedItem('token') as HTMLInputElement;
  state.busy = true;
  state.error = undefined;
  update();
  try {
    const me = await api<Me>('/api/session', { method: 'POST', body: { token: input.value } });
    input.value = '';
    onSignedIn(me);
  } catch (error) {
    state.error = error;
  } finally {
    state.busy = false;
    update();
  }
}

export const signInPage = {
  view(onSignedIn: (me: Me) => void): TemplateResult {
    return html`<h1 tabindex="-1">${t('signIn.title')}</h1>
      <p>${t('signIn.intro')}</p>
      <form class="sign-in" @submit=${(e: SubmitEvent) => void submit(e, onSignedIn)}>
        <label for="token">${t('signIn.token')}</label>
        <input id="token" name="token" type="password" autocomplete="off" required />
        <button type="submit" ?disabled=${state.busy}>${t('signIn.submit')}</button>
      </form>
      ${errorBox(state.error)}
      <p class="hint">${t('signIn.devHint')}</p>`;
  },
};
