// Organizations and "my data" over real HTTP, with a real SMTP server for the invitation:
// the administrator invites by e-mail and the member joins by code; an administrator reaches
// only their own members (403 across organizations) and has no room; a member leaves; export;
// deletion for good (password), after which the account cannot sign in.
import { expect } from 'chai';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { Database } from '../../db/index.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { createTestDatabase } from '../support/db-fixture.js';
import { pdfPages } from '../support/pdf-text.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { waitFor } from '../support/wait.js';
import { apiCall, type ApiResponse } from './api-client.js';

const OPERATOR = 'operator-token-for-tests-0123456789';
const PASSWORD = 'correct horse battery';

describe('HTTP API: organizations and my data', function () {
  this.timeout(30_000);
  let db: Database;
  let api: ApiServer;
  let smtp: SmtpSink;
  const call = (method: string, path: string, token?: string, body?: unknown): Promise<ApiResponse> => apiCall(api.url, method, path, token, body);
  const signIn = async (email: string): Promise<string> => {
    const session = await call('POST', '/v1/sessions', undefined, { email, password: PASSWORD });
    expect(session.status, JSON.stringify(session.json)).to.equal(201);
    return session.json.token as string;
  };
  const organization = async (name: string) => {
    const created = await call('POST', '/v1/operator/organizations', OPERATOR, { name, email: `admin@${name}.example`, password: PASSWORD });
    expect(created.status, JSON.stringify(created.json)).to.equal(201);
    const id = (created.json.account as { id: number }).id;
    return { id, joinCode: created.json.joinCode as string, token: await signIn(`admin@${name}.example`) };
  };
  const person = async (name: string) => {
    const created = await call('POST', '/v1/operator/accounts', OPERATOR, { name, email: `${name}@example.test`, password: PASSWORD });
    expect(created.status).to.equal(201);
    return { id: (created.json.account as { id: number }).id, room: (created.json.room as { number: string }).number, token: await signIn(`${name}@example.test`) };
  };

  before(async () => {
    smtp = await SmtpSink.start();
    db = await createTestDatabase();
    const log = pino({ level: 'silent' });
    api = await startSite({ db, mailer: createMailer({ smtpUrl: smtp.url, from: 'orgs@tollbridge.test' }, log), log, operatorToken: OPERATOR }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    await db?.close();
    await smtp?.close();
  });

  it('the administrator invites by e-mail, the member joins with the code, and the administrator sees them; the administrator has no room', async () => {
    const org = await organization('acme');
    const grace = await person('grace');
    const invited = await call('POST', `/v1/accounts/${org.id}/organization/invites`, org.token, { email: 'Grace@example.test' });
    expect(invited.status).to.equal(201);
    expect(invited.json).to.include({ email: 'grace@example.test', mailed: true, joinCode: org.joinCode });
    const mail = await waitFor('the invitation e-mail', () => smtp.received.find((m) => m.to.includes('grace@example.test')));
    // The invitation only: a forwarded mail gives nobody the organization's join code.
    expect(mail.raw).to.contain('tb_i_').and.not.contain(org.joinCode);

    const joined = await call('POST', `/v1/accounts/${grace.id}/organization/join`, grace.token, { code: org.joinCode });
    expect(joined.status, JSON.stringify(joined.json)).to.equal(200);
    const members = await call('GET', `/v1/accounts/${org.id}/organization/members`, org.token);
    expect((members.json as unknown as Array<{ accountId: number; roomNumber: string }>).map((m) => [m.accountId, m.roomNumber])).to.deep.equal([[grace.id, grace.room]]);
    expect((await call('GET', `/v1/accounts/${grace.id}/organization`, grace.token)).json).to.deep.equal({ organization: { id: org.id, name: 'acme', numbers: [] } });

    // No room for the administrator: nothing to set PINs on, nothing a caller could enter.
    expect((await call('GET', `/v1/accounts/${org.id}/room`, org.token)).status).to.equal(404);
    expect((await call('PUT', `/v1/accounts/${org.id}/room/pins`, org.token, { moderator: '1234', participant: '5678' })).status).to.equal(404);
    expect(await db.rooms.forAccount(org.id)).to.deep.equal([]);
    const self = await call('GET', `/v1/accounts/${org.id}`, org.token);
    expect(self.status).to.equal(200);
    expect(self.json).to.deep.include({ room: null });

    // The statement as PDF carries the member lines too, as the CSV does.
    await db.numbers.add('+18005557311', 'toll_free');
    const sub = await db.numbers.subscribe('+18005557311', org.id);
    const graceRoom = await db.rooms.findByNumber(grace.room);
    const answered = Date.now() - 120_000;
    await db.ledger.openLeg({ channelId: 'org-pdf-1', accountId: org.id, subscriptionId: sub.id, numberId: sub.numberId, dialled: sub.e164, callerNumber: '+15550001111', answeredAt: answered });
    await db.ledger.assign('org-pdf-1', { roomId: graceRoom?.id ?? 0, role: 'moderator' });
    await db.ledger.closeLeg('org-pdf-1', answered + 30_000, 'hangup');
    const period = new Date(answered).toISOString().slice(0, 7);
    const pdf = await fetch(`${api.url}/v1/accounts/${org.id}/statements/${period}?format=pdf`, { headers: { authorization: `Bearer ${org.token}` } });
    expect(pdf.status).to.equal(200);
    expect(pdf.headers.get('content-type')).to.equal('application/pdf');
    const lines = (await pdfPages(new Uint8Array(await pdf.arrayBuffer()))).flat();
    expect(lines).to.include('by member legs seconds amount');
    expect(lines.filter((l) => l.startsWith('member '))).to.deep.equal([`member ${grace.id} room ${grace.room} 1 60 0.02`]);
  });

  it('403 across organizations and for members on administrator routes', async () => {
    const a = await organization('alpha');
    const b = await organization('beta');
    const bob = await person('bob');
    expect((await call('POST', `/v1/accounts/${bob.id}/organization/join`, bob.token, { code: b.joinCode })).status).to.equal(200);
    const forbidden: Array<[string, string, string, unknown?]> = [
      ['GET', `/v1/accounts/${a.id}/organization/members/${bob.id}/usage`, a.token],
      ['DELETE', `/v1/accounts/${a.id}/organization/members/${bob.id}`, a.token],
      ['GET', `/v1/accounts/${b.id}/organization/members`, a.token],
      ['GET', `/v1/accounts/${bob.id}/usage`, b.token],
      ['GET', `/v1/accounts/${bob.id}/export`, b.token],
      ['GET', `/v1/accounts/${b.id}/organization/members`, bob.token],
      ['POST', `/v1/accounts/${bob.id}/organization/invites`, bob.token, { email: 'x@example.test' }],
      ['POST', `/v1/accounts/${bob.id}/organization/join-code`, bob.token],
      ['POST', `/v1/accounts/${b.id}/organization/join-code`, a.token],
    ];
    for (const [method, path, token, body] of forbidden) {
      const res = await call(method, path, token, body);
      expect(res.status, `${method} ${path}`).to.equal(403);
    }
    expect(await db.organizations.isMember(b.id, bob.id)).to.equal(true);
    const usage = await call('GET', `/v1/accounts/${b.id}/organization/members/${bob.id}/usage`, b.token);
    expect(usage.status).to.equal(200);
    expect(usage.json).to.include({ accountId: bob.id, legs: 0 });
    // The member leaves; their former organization still sees their usage, but cannot remove them.
    expect((await call('DELETE', `/v1/accounts/${bob.id}/organization`, bob.token)).status).to.equal(204);
    expect((await call('GET', `/v1/accounts/${b.id}/organization/members/${bob.id}/usage`, b.token)).status).to.equal(200);
    expect((await call('DELETE', `/v1/accounts/${b.id}/organization/members/${bob.id}`, b.token)).status).to.equal(403);
  });

  it('a new join code: the old one stops working, members stay', async () => {
    const org = await organization('gamma');
    const dana = await person('dana');
    expect((await call('POST', `/v1/accounts/${dana.id}/organization/join`, dana.token, { code: org.joinCode })).status).to.equal(200);
    const replaced = await call('POST', `/v1/accounts/${org.id}/organization/join-code`, org.token);
    expect(replaced.status).to.equal(200);
    const joinCode = replaced.json.joinCode as string;
    expect(joinCode).to.match(/^[A-Z2-9]{10}$/).and.not.equal(org.joinCode);
    expect((await call('GET', `/v1/accounts/${org.id}/organization`, org.token)).json).to.include({ joinCode });
    expect(await db.organizations.isMember(org.id, dana.id)).to.equal(true);
    const eve = await person('eve');
    const old = await call('POST', `/v1/accounts/${eve.id}/organization/join`, eve.token, { code: org.joinCode });
    expect(old.json).to.deep.include({ error: { code: 'InvalidJoinCode', message: 'no organization has this join code: ask its administrator for the code' } });
    expect((await call('POST', `/v1/accounts/${eve.id}/organization/join`, eve.token, { code: joinCode })).status).to.equal(200);
  });

  it('removing a member replaces the join code: their old code joins nobody; a forwarded invitation lets nobody else in', async () => {
    const org = await organization('delta');
    const frank = await person('frank');
    expect((await call('POST', `/v1/accounts/${frank.id}/organization/join`, frank.token, { code: org.joinCode })).status).to.equal(200);
    expect((await call('DELETE', `/v1/accounts/${org.id}/organization/members/${frank.id}`, org.token)).status).to.equal(204);
    const now = (await call('GET', `/v1/accounts/${org.id}/organization`, org.token)).json.joinCode as string;
    expect(now).to.match(/^[A-Z2-9]{10}$/).and.not.equal(org.joinCode);
    const gina = await person('gina');
    for (const who of [frank, gina]) {
      const again = await call('POST', `/v1/accounts/${who.id}/organization/join`, who.token, { code: org.joinCode });
      expect(again.json).to.deep.include({ error: { code: 'InvalidJoinCode', message: 'no organization has this join code: ask its administrator for the code' } });
    }
    expect(await db.organizations.isMember(org.id, frank.id)).to.equal(false);

    // Hal's invitation, forwarded to Gina: useless to her, still good for Hal, once.
    const hal = await person('hal');
    expect((await call('POST', `/v1/accounts/${org.id}/organization/invites`, org.token, { email: 'hal@example.test' })).status).to.equal(201);
    const mail = await waitFor('Hal\'s invitation', () => smtp.received.find((m) => m.to.includes('hal@example.test')));
    expect(mail.raw).to.not.contain(now);
    const invite = /tb_i_[A-Za-z0-9_-]{20,}/.exec(mail.raw)?.[0] ?? '';
    expect((await call('POST', `/v1/accounts/${gina.id}/organization/join`, gina.token, { invite })).json).to.deep.include({ error: { code: 'InvalidJoinCode', message: 'this invitation is unknown, used, or for another address' } });
    expect((await call('POST', `/v1/accounts/${hal.id}/organization/join`, hal.token, { invite })).status).to.equal(200);
    expect(await db.organizations.isMember(org.id, gina.id)).to.equal(false);
  });

  it('export, then deletion for good with the password: no more sign-in, the room number retired', async () => {
    const carol = await person('carol');
    const exported = await call('GET', `/v1/accounts/${carol.id}/export`, carol.token);
    expect(exported.status).to.equal(200);
    expect(exported.json).to.have.keys('exportedAt', 'account', 'room', 'organization', 'memberships', 'subscriptions', 'legs', 'recordings');
    expect((exported.json.account as { email: string }).email).to.equal('carol@example.test');

    expect((await call('POST', `/v1/accounts/${carol.id}/erasure`, carol.token, { password: PASSWORD })).status).to.equal(400);
    const wrong = await call('POST', `/v1/accounts/${carol.id}/erasure`, carol.token, { password: 'wrong password', confirm: true });
    expect(wrong.status, JSON.stringify(wrong.json)).to.equal(403);
    const deleted = await call('POST', `/v1/accounts/${carol.id}/erasure`, carol.token, { password: PASSWORD, confirm: true });
    expect(deleted.status, JSON.stringify(deleted.json)).to.equal(200);
    expect(deleted.json).to.include({ accountId: carol.id, retiredRoomNumber: carol.room });
    expect((await call('POST', '/v1/sessions', undefined, { email: 'carol@example.test', password: PASSWORD })).status).to.equal(401);
    expect((await call('GET', `/v1/accounts/${carol.id}`, carol.token)).status).to.equal(401);
    expect((await db.rooms.findByNumber(carol.room))?.accountId).to.equal(carol.id);
  });
});
