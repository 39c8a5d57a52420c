// What the pages (pages.ts, the *-pages.ts) and their views (views.ts, the *-views.ts) share:
// small view helpers and the shapes of data a page hands its view. Its own module so that the
// views never import a page module back.
import { html } from './html.js';
import type { UsageShown } from '../app/accounts/subscriptions.js';

export const csrfField = (csrf: string) => html`<input type="hidden" name="_csrf" value="${csrf}">`;
export const when = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC');

/** One subscribed number's use this period, as the API's subscription usage route answers. */
export type NumberUsage = UsageShown & { e164: string };

/** The usage page's filter (its query, checked: pages.ts usageFilterOf). */
export interface UsageFilter {
  from: string;
  to: string;
  number: string;
  role: string;
  period: string;
}
