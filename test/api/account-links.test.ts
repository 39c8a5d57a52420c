// The API's e-mail link routes without a browser: a password reset answers the same for any
// address, mails a known one at most once a minute, and its link sets the password once and
// ends the sessions; an e-mail change needs the password, refuses a taken address, and takes
// effect only through the link mailed to the new address.
import { expect } from 'chai';
import { pino } from 'pino';
import type { Mail, Mailer } from '../../app/accounts/mailer.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import type { Database } from '../../db/index.js';
import { Clock } from '../db/helpers.js';
import { createTestDatabase } from '../support/db-fixture.js';
import { waitFor } from '../support/wait.js';

const log = pino({ level: 'silent' });
const PASSWORD = 'correct horse battery';

describe('API: password reset and e-mail change links', function () {
  this.timeout(20_000);
  let db: Database;
  let api: ApiServer;
  let clock: Clock;
  const sent: Mail[] = [];
  const mailer: Mailer = { send: async (mail) => (sent.push(mail), true) };
  let accountId: number;

  before(async () => {
    clock = new Clock(Date.UTC(2026, 11, 2, 1));
    db = await createTestDatabase({ now: clock.now });
    accountId = (await db.accounts.create({ name: 'Links', email: 'links@example.test', password: PASSWORD })).account.id;
    await db.accounts.create({ name: 'Other', email: 'other@example.test' });
    api = await startSite({ db, mailer, log, operatorToken: '', now: clock.now }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    await db?.close();
  });

  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(api.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const tokenIn = (mail: Mail, path: string) => new RegExp(`${path}\\?token=([A-Za-z0-9_-]+)`).exec(mail.text)?.[1] ?? '';

  it('a reset answers the same for unknown and known addresses, mails a known one at most once a minute, and its link works once', async () => {
    const unknown = await post('/v1/password-resets', { email: 'nobody@example.test' });
    const known = await post('/v1/password-resets', { email: 'Links@Example.test' });
    expect(unknown).to.deep.equal(known);
    expect(known.status).to.equal(202);
    const mail = await waitFor('the reset mail', async () => sent.find((m) => m.to === 'links@example.test') ?? null);
    expect(mail.text).to.contain(`${api.url}/reset-password?token=`);
    await post('/v1/password-resets', { email: 'links@example.test' });
    expect(sent.filter((m) => m.to === 'links@example.test')).to.have.length(1);

    const session = (await post('/v1/sessions', { email: 'links@example.test', password: PASSWORD })).json.token as string;
    const token = tokenIn(mail, '/reset-password');
    expect((await post('/v1/password-resets/confirm', { token, newPassword: 'short' })).json).to.deep.include({ error: { code: 'InvalidPassword', message: 'a password needs at least 8 characters: choose a longer one' } });
    const done = await post('/v1/password-resets/confirm', { token, newPassword: 'a brand new password' });
    expect(done.json).to.include({ accountId, revokedSessions: 1 });
    expect((await fetch(`${api.url}/v1/sessions/current`, { headers: { authorization: `Bearer ${session}` } })).status).to.equal(401);
    const again = await post('/v1/password-resets/confirm', { token, newPassword: 'another new password' });
    expect(again.status).to.equal(410);
    expect(await db.accounts.checkPassword(accountId, 'a brand new password')).to.equal(true);

    clock.advance(60_000);
    await post('/v1/password-resets', { email: 'links@example.test' });
    await waitFor('a second reset mail a minute later', async () => (sent.filter((m) => m.to === 'links@example.test').length === 2 ? true : null));
  });

  it('an e-mail change needs the password, refuses a taken address, and happens only through the link sent to the new address', async () => {
    const session = (await post('/v1/sessions', { email: 'links@example.test', password: 'a brand new password' })).json.token as string;
    expect((await post(`/v1/accounts/${accountId}/email`, { newEmail: 'new@example.test', password: 'wrong password!' }, session)).status).to.equal(403);
    expect((await post(`/v1/accounts/${accountId}/email`, { newEmail: 'other@example.test', password: 'a brand new password' }, session)).status).to.equal(409);
    const asked = await post(`/v1/accounts/${accountId}/email`, { newEmail: 'New@Example.test', password: 'a brand new password' }, session);
    expect(asked).to.deep.include({ status: 202 });
    const mail = await waitFor('the confirmation mail', async () => sent.find((m) => m.to === 'new@example.test') ?? null);
    expect((await db.accounts.get(accountId)).email).to.equal('links@example.test');
    const token = tokenIn(mail, '/confirm-email');
    expect((await post('/v1/email-changes/confirm', { token })).json).to.include({ email: 'new@example.test' });
    expect((await post('/v1/email-changes/confirm', { token })).status).to.equal(410);
    // Another account's route stays closed to this session.
    expect((await post(`/v1/accounts/${accountId + 1}/email`, { newEmail: 'x@example.test', password: 'a brand new password' }, session)).status).to.equal(403);
  });
});
