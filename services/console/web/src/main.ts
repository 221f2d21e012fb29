// The console's shell: a skip link, the main navigation, the language switch and sign-out on every
// page, and hash routes (#/topics, #/messages?topic=…) to the pages. Focus moves to the new page's
// heading on navigation, so keyboard and screen-reader users land where the content starts.
import './style.css';

import { html, render, type TemplateResult } from 'lit-html';

import { LANGUAGES } from '../i18n/index.js';
import { api, setSessionEndedHandler } from './api.js';
import { currentLanguage, setLanguage, t } from './i18n.js';
import type { Me, Page } from './page.js';
import { lagPage } from './pages/lag.js';
import { ledgerPage } from './pages/ledger.js';
import { messagesPage } from './pages/messages.js';
import { simulatorPage } from './pages/simulator.js';
import { signInPage } from './pages/sign-in.js';
import { topicsPage } from './pages/topics.js';
import { setRedraw, update } from './view.js';

const pages: Record<string, Page> = {
  topics: topicsPage,
  messages: messagesPage,
  lag: lagPage,
  simulator: simulatorPage,
  ledger: ledgerPage,
};
const navOrder = ['topics', 'messages', 'lag', 'simulator', 'ledger'] as const;
const navKeys = {
  topics: 'nav.topics',
  messages: 'nav.messages',
  lag: 'nav.lag',
  simulator: 'nav.simulator',
  ledger: 'nav.ledger',
} as const;

let me: Me | undefined;
let checked = false;
let current = 'topics';
let currentPage: Page | undefined;

function route(): { name: string; params: URLSearchParams } {
  const [path = '', search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  return { name: path in pages ? path : 'topics', params: new URLSearchParams(search) };
}

function languageSwitch(): TemplateResult {
  return html`<div class="language" role="group" aria-label=${t('app.language')}>
    ${LANGUAGES.map(
      (language) =>
        html`<button
          type="button"
          lang=${language}
          aria-pressed=${currentLanguage() === language ? 'true' : 'false'}
          @click=${() => {
            setLanguage(language);
            update();
          }}
        >
          ${language === 'en' ? 'English' : 'Español'}
        </button>`,
    )}
  </div>`;
}

async function signOut(): Promise<void> {
  await api('/api/session', { method: 'DELETE' });
  me = undefined;
  currentPage?.leave?.();
  currentPage = undefined;
  update();
}

/** The server ended the session (a 401): back to sign-in, on the same route. */
function sessionEnded(): void {
  if (!me) return;
  me = undefined;
  currentPage?.leave?.();
  update();
  requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus());
}

function shell(): TemplateResult {
  const main = me && currentPage ? currentPage.view(me) : signInPage.view(onSignedIn);
  return html`<a class="skip" href="#main" @click=${skipToMain}>${t('app.skip')}</a>
    <header>
      <span class="brand">${t('app.title')}</span>
      ${
        me
          ? html`<nav aria-label=${t('nav.label')}>
              <ul>
                ${navOrder.map(
                  (name) =>
                    html`<li>
                      <a href="#/${name}" aria-current=${current === name ? 'page' : 'false'}>${t(navKeys[name])}</a>
                    </li>`,
                )}
              </ul>
            </nav>`
          : ''
      }
      <div class="session">
        ${languageSwitch()}
        ${
          me
            ? html`<span>${t('app.signedInAs', { country: t(`country.${me.country}`) })}</span>
                <button type="button" @click=${() => void signOut()}>${t('app.signOut')}</button>`
            : ''
        }
      </div>
    </header>
    <main id="main" tabindex="-1">${checked ? main : ''}</main>`;
}

/** The skip link moves focus itself: the hash is the router's, so #main must not become the route. */
function skipToMain(event: Event): void {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

function enterRoute(focus: boolean): void {
  const { name, params } = route();
  currentPage?.leave?.();
  current = name;
  currentPage = pages[name];
  if (me) currentPage?.enter(params, me);
  update();
  if (focus) requestAnimationFrame(() => document.querySelector<HTMLElement>('main h1')?.focus());
}

function onSignedIn(who: Me): void {
  me = who;
  enterRoute(true);
}

const root = document.getElementById('app')!;
setRedraw(() => render(shell(), root));
setSessionEndedHandler(sessionEnded);
setLanguage(currentLanguage());
window.addEventListener('hashchange', () => enterRoute(true));

api<Me>('/api/me')
  .then((who) => {
    me = who;
  })
  .catch(() => undefined)
  .finally(() => {
    checked = true;
    enterRoute(false);
  });
