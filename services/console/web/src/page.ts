// What the shell knows of a page, and who is signed in: shared by main.ts and every page.
import type { TemplateResult } from 'lit-html';

export interface Me {
  country: 'US' | 'MX';
}

export interface Page {
  /** Called when the route is entered (with its query), to load data. */
  enter(params: URLSearchParams, me: Me): void;
  leave?(): void;
  view(me: Me): TemplateResult;
}
