// "My data": the JSON export (the API's /export, downloaded as a file) and deleting the
// account for good (the API's /erasure, confirmed by password). After the deletion every
// session of the account is gone, so the browser's cookie is cleared too.
import { page } from './layout.js';
import { deletedView, myDataView } from './my-data-views.js';
import type { PageKit, Visitor } from './page-kit.js';
import type { AccountExport } from '../db/index.js';
import type { Request } from '../api/http.js';

export function registerMyDataPages(kit: PageKit): void {
  const { add, call, must, signedInPage, orShow, frame, htmlReply, formOf, base, signedOutCookie } = kit;

  const myDataPage = (req: Request, v: Visitor, error?: string) =>
    htmlReply(page(frame(v, req, 'My data', error === undefined ? {} : { error }), myDataView(v.csrf, v.account, v.room)), error === undefined ? 200 : 400);

  add('GET', '/app/my-data', signedInPage(async (req, v) => myDataPage(req, v)));
  add('GET', '/app/my-data/export', signedInPage(async (req, v) => {
    const exported = await must(call<AccountExport>(req, 'GET', `${base(v)}/export`, v.token));
    return {
      status: 200,
      text: JSON.stringify(exported, null, 2),
      contentType: 'application/json; charset=utf-8',
      headers: { 'content-disposition': `attachment; filename="tollbridge-my-data-${v.accountId}.json"` },
    };
  }));
  add('POST', '/app/my-data/delete', signedInPage(async (req, v) => {
    const form = formOf(req);
    if (form.confirm !== 'on') return myDataPage(req, v, 'Tick the box to confirm that the account is deleted for good.');
    return orShow(async () => {
      const erased = await must(call<{ retiredRoomNumber: string | null }>(req, 'POST', `${base(v)}/erasure`, v.token, { password: form.password ?? '', confirm: true }));
      return htmlReply(page({ title: 'Account deleted', notice: 'Deleted for good.' }, deletedView(erased.retiredRoomNumber)), 200, { 'set-cookie': signedOutCookie(req) });
    }, async (message) => myDataPage(req, v, message));
  }), 'form');
}
