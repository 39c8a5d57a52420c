// The frame of every page: one column that fits a phone, a skip link, the navigation (a
// personal owner's or an organization administrator's), and a plain stylesheet.
import { HttpError, type Handler } from '../api/http.js';
import { html, type Html } from './html.js';

/** Every page's Content-Security-Policy: no script, nothing from elsewhere (the live view adds its own script). */
export const PAGE_CSP = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface NavItem {
  href: string;
  label: string;
}

/** A personal owner's pages, in menu order. */
export const OWNER_NAV: NavItem[] = [
  { href: '/app/room', label: 'My room' },
  { href: '/app/numbers', label: 'Toll-free numbers' },
  { href: '/app/usage', label: 'Usage and statements' },
  { href: '/app/organization', label: 'Organization' },
  { href: '/app/account', label: 'Account' },
  { href: '/app/my-data', label: 'My data' },
];

/** An organization administrator's pages: no room (the administrator joins no calls). */
export const ADMIN_NAV: NavItem[] = [
  { href: '/app/organization', label: 'Organization' },
  { href: '/app/numbers', label: 'Toll-free numbers' },
  { href: '/app/usage', label: 'Usage and statements' },
  { href: '/app/account', label: 'Account' },
  { href: '/app/my-data', label: 'My data' },
];

export interface PageFrame {
  title: string;
  /** The signed-in page's CSRF token (for the sign-out form); absent before sign-in. */
  csrf?: string;
  /** The current path, marked in the navigation. */
  path?: string;
  nav?: NavItem[];
  /** Where the sign-out form posts (default /signout). */
  signout?: string;
  notice?: string;
  error?: string;
  /** The organization a member belongs to, shown on every page of theirs. */
  membership?: string;
}

export function page(frame: PageFrame, body: Html): Html {
  const nav = frame.csrf === undefined || frame.nav === undefined ? html`` : html`<nav aria-label="Main"><ul>
${frame.nav.map((item) => html`<li><a href="${item.href}"${frame.path !== undefined && (frame.path === item.href || frame.path.startsWith(`${item.href}/`)) ? html` aria-current="page"` : ''}>${item.label}</a></li>`)}
<li><form method="post" action="${frame.signout ?? '/signout'}"><input type="hidden" name="_csrf" value="${frame.csrf}"><button type="submit" class="link">Sign out</button></form></li>
</ul></nav>`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · tollbridge</title><link rel="stylesheet" href="/web/style.css"></head>
<body><a class="skip" href="#main">Skip to content</a>
<header><p class="brand">tollbridge</p>${frame.membership === undefined ? '' : html`<p class="membership" id="membership">Member of <strong>${frame.membership}</strong></p>`}${nav}</header>
<main id="main"><h1>${frame.title}</h1>
${frame.notice === undefined ? '' : html`<p class="notice" role="status">${frame.notice}</p>`}
${frame.error === undefined ? '' : html`<p class="error" role="alert">${frame.error}</p>`}
${body}</main></body></html>`;
}

export const STYLESHEET = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#111;background:#fafafa}
header{background:#12324f;color:#fff;padding:.5rem 1rem}
header a,header .link{color:#fff}
.brand{margin:0;font-weight:bold}
.membership{margin:0;font-size:.9rem}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
nav a[aria-current=page]{font-weight:bold;text-decoration-thickness:3px}
nav form{margin:0;padding:0;background:none;border:0}
main{max-width:48rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem}
h2{font-size:1.2rem;margin-top:2rem}
form{background:#fff;border:1px solid #ddd;border-radius:6px;padding:1rem;margin:1rem 0}
label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input,select{font:inherit;padding:.5rem;width:100%;max-width:22rem;border:1px solid #888;border-radius:4px}
input[type=checkbox]{width:auto}
button{font:inherit;padding:.5rem 1rem;margin-top:1rem;border:0;border-radius:4px;background:#1f6feb;color:#fff;cursor:pointer}
button.danger{background:#b91c1c}
button.link{background:none;padding:0;margin:0;text-decoration:underline}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.notice{background:#dcfce7;border-left:4px solid #16a34a;padding:.5rem 1rem}
.error{background:#fee2e2;border-left:4px solid #b91c1c;padding:.5rem 1rem}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.95rem}
th,td{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}
td.num,th.num{text-align:right}
.scroll{overflow-x:auto}
.big{font-size:1.6rem;font-weight:bold;letter-spacing:.1em}
.chart svg[role=img]{width:100%;height:auto;background:#fff;border:1px solid #ddd}
.legend{list-style:none;padding:0;display:flex;gap:1rem;flex-wrap:wrap}
.inline{display:inline;padding:0;border:0;margin:0;background:none}
fieldset{border:1px solid #ddd;border-radius:4px;margin:1rem 0;padding:.5rem 1rem}
legend{font-weight:600}
.check label{font-weight:600}
.plain{list-style:none;margin:0;padding:0}
.controls form{margin:.25rem .5rem .25rem 0}
.actions button{margin:.1rem .25rem .1rem 0;padding:.3rem .7rem}
@media (max-width:40rem){table.cards thead{position:absolute;left:-999px}table.cards tr{display:block;border-bottom:2px solid #ccc;padding:.25rem 0}table.cards td{display:block;border:0;padding:.1rem .4rem}table.cards td[data-label]::before{content:attr(data-label) ": ";font-weight:600}}
.help{margin:.1rem 0 .5rem 1.6rem;font-size:.9rem;color:#444}
`;

/** A refusal on a page (a stale form, a bad link) as a page, with the API's message. */
export function errorPage(status: number, message: string): { status: number; text: string; contentType: string } {
  const body = page({ title: status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Something went wrong', error: message }, html`<p><a href="/app/room">Back to my room</a> · <a href="/signin">Sign in</a></p>`);
  return { status, text: body.value, contentType: 'text/html; charset=utf-8' };
}

/** A page handler whose refusals (4xx) answer as HTML pages rather than the API's JSON errors. */
export function asPage(handler: Handler): Handler {
  return async (req) => {
    try {
      return await handler(req);
    } catch (err) {
      if (err instanceof HttpError && err.status < 500) return { ...errorPage(err.status, err.message), headers: err.headers };
      throw err;
    }
  };
}
