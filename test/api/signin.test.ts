// Sign-in over real HTTP on a real database: backoff per address and per account (429 with
// Retry-After), the same scrypt work for unknown accounts, failed sign-ins logged without the
// password, old hashes rehashed, logout, revoking sessions, changing the password, and
// re-authentication before an API key. Password hashing never takes libuv's thread pool.
import { expect } from 'chai';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { Database } from '../../db/index.js';
import { createPasswordHasher, RECOMMENDED_SCRYPT } from '../../db/passwords.js';
import { ScryptPool } from '../../db/scrypt-pool.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { SigninBackoff } from '../../api/backoff.js';
import { createTestDatabase, openSecondHandle } from '../support/db-fixture.js';
import { apiCall, LogSink } from './api-client.js';

const OPERATOR = 'operator-token-for-tests-0123456789';
const PASSWORD = 'correct horse battery';

describe('sign-in', function () {
  this.timeout(60_000);
  let db: Database;
  let api: ApiServer;
  let logs: LogSink;
  const call = (method: string, path: string, token?: string, body?: unknown, headers?: Record<string, string>) => apiCall(api.url, method, path, token, body, headers);

  async function account(name: string): Promise<{ id: number; email: string }> {
    const created = await call('POST', '/v1/operator/accounts', OPERATOR, { name, email: `${name}@example.test`, password: PASSWORD });
    expect(created.status, created.text).to.equal(201);
    return { id: (created.json.account as { id: number }).id, email: `${name}@example.test` };
  }
  async function signIn(email: string, password = PASSWORD) {
    return call('POST', '/v1/sessions', undefined, { email, password });
  }

  beforeEach(async () => {
    db = await createTestDatabase();
    logs = new LogSink();
    const log = pino({ level: 'info' }, logs);
    api = await startSite({ db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: OPERATOR }, '127.0.0.1', 0);
  });
  afterEach(async () => {
    await api?.close();
    await db?.close();
  });

  it('after 5 wrong passwords for one account the next try gets 429 with Retry-After, even the right password; another account still signs in', async () => {
    const ada = await account('ada');
    const bob = await account('bob');
    for (let i = 0; i < 5; i++) expect((await signIn(ada.email, 'wrong password')).status).to.equal(401);
    const refused = await signIn(ada.email);
    expect(refused.status).to.equal(429);
    expect(refused.json.error?.code).to.equal('TooManyAttempts');
    expect(Number(refused.headers.get('retry-after'))).to.be.greaterThan(0);
    expect((await signIn(bob.email)).status).to.equal(201);
  });

  it('one address gets 429 after 10 wrong passwords spread over many accounts', async () => {
    for (let i = 0; i < 10; i++) expect((await signIn(`nobody${i}@example.test`, 'wrong password')).status).to.equal(401);
    const refused = await signIn('someone-else@example.test', 'wrong password');
    expect(refused.status).to.equal(429);
    expect(refused.headers.get('retry-after')).to.match(/^\d+$/);
  });

  it('two API processes on one database count the same failures: wrong passwords at one close sign-in at the other, and a right password at the other clears the account at both', async () => {
    const ada = await account('ada');
    const otherDb = await openSecondHandle(db);
    const log = pino({ level: 'silent' });
    const other = await startSite({ db: otherDb, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: OPERATOR }, '127.0.0.1', 0);
    try {
      const signInAt = (server: ApiServer, email: string, password: string) => apiCall(server.url, 'POST', '/v1/sessions', undefined, { email, password });
      // The account's 5 free failures split over both processes: the next try at either is refused.
      for (const server of [api, other, api, other]) expect((await signInAt(server, ada.email, 'wrong password')).status).to.equal(401);
      expect((await signInAt(other, ada.email, PASSWORD)).status).to.equal(201); // 4 of 5: still open, and cleared
      for (const server of [api, other, api, other, api]) expect((await signInAt(server, ada.email, 'wrong password')).status).to.equal(401);
      const refused = await signInAt(other, ada.email, PASSWORD);
      expect(refused.status).to.equal(429);
      expect(refused.json.error?.code).to.equal('TooManyAttempts');
      expect((await signInAt(api, ada.email, PASSWORD)).status).to.equal(429);
      // The address: 10 wrong passwords so far from 127.0.0.1 over both; the 11th closes it for another account too.
      expect((await signInAt(api, 'nobody@example.test', 'wrong password')).status).to.equal(401);
      expect((await signInAt(other, 'someone@example.test', 'wrong password')).status).to.equal(429);
      // Neither e-mail nor address is stored, only keyed hashes of them.
      const rows = await db.knex('signin_failures').select<Array<{ scope: string; subject: string }>>('scope', 'subject');
      expect(rows.map((r) => r.scope).sort()).to.deep.equal(['account', 'account', 'address']);
      expect(JSON.stringify(rows)).to.not.contain('127.0.0.1').and.not.contain('example.test');
    } finally {
      await other.close();
      await otherDb.close();
    }
  });

  it('backoff doubles after the free failures, is capped, and is forgotten after a quiet hour; the oldest keys beyond the bound are pruned', async () => {
    let t = 1_000_000;
    const limits = { freeFailures: 2, baseDelayMs: 1000, maxDelayMs: 4000, forgetAfterMs: 3_600_000, maxKeys: 3 };
    const b = new SigninBackoff(db.signinFailures, { perAddress: limits, perAccount: limits }, pino({ level: 'silent' }), () => t);
    const wait = (k: string) => b.waitMs(k, 'nobody');
    await b.fail('k', 'x');
    expect(await wait('k')).to.equal(0);
    await b.fail('k', 'x');
    expect(await wait('k')).to.equal(1000);
    await b.fail('k', 'x');
    expect(await wait('k')).to.equal(2000);
    await b.fail('k', 'x');
    await b.fail('k', 'x');
    expect(await wait('k')).to.equal(4000); // capped
    t += 3_600_001;
    expect(await wait('k')).to.equal(0);
    await b.fail('k', 'x');
    expect(await wait('k')).to.equal(0); // forgotten: the first failure again
    for (const k of ['a', 'b', 'c', 'd']) {
      t += 1;
      for (let i = 0; i < 2; i++) await b.fail(k, 'x');
    }
    await b.prune();
    expect(await wait('a')).to.equal(0); // bounded: the oldest keys went
    expect(await wait('d')).to.be.greaterThan(0);
  });

  it('an unknown e-mail costs one scrypt, as a known account with a wrong password does', async () => {
    const ada = await account('ada');
    await signIn('warm-up@example.test', 'wrong password'); // the dummy hash is made once
    const before = db.passwords.stats().finished;
    expect((await signIn('nobody@example.test', 'wrong password')).status).to.equal(401);
    const unknown = db.passwords.stats().finished - before;
    expect((await signIn(ada.email, 'wrong password')).status).to.equal(401);
    const known = db.passwords.stats().finished - before - unknown;
    expect(unknown).to.equal(1);
    expect(known).to.equal(1);
  });

  it('a failed sign-in is logged as a warning with the address and the e-mail masked, never the password', async () => {
    await signIn('victim@example.test', 'hunter2-secret');
    const line = logs.lines.find((l) => l.msg === 'wrong password');
    expect(line, logs.text).to.not.equal(undefined);
    expect(line).to.include({ level: 40, address: '127.0.0.1', email: 'v…@example.test' });
    expect(line?.emailHash).to.match(/^[0-9a-f]{16}$/);
    expect(logs.text).to.not.contain('hunter2-secret').and.not.contain('victim@');
  });

  it('today\'s cost is OWASP\'s scrypt N=2^17 r=8 p=1; a hash of an older cost still signs in and is replaced by one at today\'s cost', async () => {
    expect(RECOMMENDED_SCRYPT).to.deep.equal({ N: 131072, r: 8, p: 1 });
    const production = createPasswordHasher();
    try {
      expect(await production.hash('x'.repeat(12))).to.match(/^scrypt\$131072\$8\$1\$/);
    } finally {
      await production.close();
    }
    const ada = await account('ada');
    const old = createPasswordHasher({ cost: { N: 1024, r: 8, p: 1 } });
    try {
      await db.knex('accounts').where({ id: ada.id }).update({ password_hash: await old.hash(PASSWORD) });
    } finally {
      await old.close();
    }
    expect((await signIn(ada.email)).status).to.equal(201);
    const row = await db.knex('accounts').where({ id: ada.id }).first<{ password_hash: string }>('password_hash');
    expect(row.password_hash).to.match(/^scrypt\$4096\$8\$1\$/); // the test database's cost
    expect((await signIn(ada.email)).status).to.equal(201);
  });

  it('logout revokes the session; revoking all sessions ends every session but keeps API keys', async () => {
    const ada = await account('ada');
    const one = (await signIn(ada.email)).json.token as string;
    const two = (await signIn(ada.email)).json.token as string;
    const three = (await signIn(ada.email)).json.token as string;
    const key = await call('POST', `/v1/accounts/${ada.id}/api-keys`, one, { label: 'script', password: PASSWORD });
    expect(key.status, key.text).to.equal(201);
    expect((await call('DELETE', '/v1/sessions/current', one)).status).to.equal(204);
    expect((await call('GET', `/v1/accounts/${ada.id}/room`, one)).status).to.equal(401);
    expect((await call('GET', `/v1/accounts/${ada.id}/room`, two)).status).to.equal(200);
    const all = await call('DELETE', `/v1/accounts/${ada.id}/sessions`, two);
    expect(all.json).to.deep.equal({ revokedSessions: 2 });
    expect((await call('GET', `/v1/accounts/${ada.id}/room`, two)).status).to.equal(401);
    expect((await call('GET', `/v1/accounts/${ada.id}/room`, three)).status).to.equal(401);
    expect((await call('GET', `/v1/accounts/${ada.id}/room`, key.json.token as string)).status).to.equal(200);
  });

  it('changing the password needs the current one, revokes the other sessions, keeps this one, and the old password stops working', async () => {
    const ada = await account('ada');
    const mine = (await signIn(ada.email)).json.token as string;
    const other = (await signIn(ada.email)).json.token as string;
    const wrong = await call('PUT', `/v1/accounts/${ada.id}/password`, mine, { currentPassword: 'not it at all', newPassword: 'a brand new passphrase' });
    expect(wrong.status).to.equal(403);
    const changed = await call('PUT', `/v1/accounts/${ada.id}/password`, mine, { currentPassword: PASSWORD, newPassword: 'a brand new passphrase' });
    expect(changed.status, changed.text).to.equal(200);
    expect(changed.json).to.deep.equal({ revokedSessions: 1 });
    expect((await call('GET', `/v1/accounts/${ada.id}/room`, other)).status).to.equal(401);
    expect((await call('GET', `/v1/accounts/${ada.id}/room`, mine)).status).to.equal(200);
    expect((await signIn(ada.email)).status).to.equal(401);
    expect((await signIn(ada.email, 'a brand new passphrase')).status).to.equal(201);
  });

  it('a new API key needs the password again: none is 400, a wrong one 403, and nothing is created', async () => {
    const ada = await account('ada');
    const token = (await signIn(ada.email)).json.token as string;
    expect((await call('POST', `/v1/accounts/${ada.id}/api-keys`, token, { label: 'x' })).status).to.equal(400);
    expect((await call('POST', `/v1/accounts/${ada.id}/api-keys`, token, { label: 'x', password: 'guess guess guess' })).status).to.equal(403);
    expect((await call('GET', `/v1/accounts/${ada.id}/api-keys`, token)).json).to.deep.equal([]);
  });

  it('a full hashing queue answers 503 with Retry-After at once instead of queueing without bound', async () => {
    await api.close();
    await db.close();
    db = await createTestDatabase({ passwordHashing: { cost: { N: 2 ** 14, r: 8, p: 1 }, workers: 1, maxQueued: 1 } });
    const log = pino({ level: 'silent' });
    api = await startSite({ db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: OPERATOR }, '127.0.0.1', 0);
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => signIn(`flood${i}@example.test`, 'wrong password')));
    const busy = answers.filter((a) => a.status === 503);
    expect(busy.length, answers.map((a) => a.status).join(',')).to.be.greaterThan(0);
    expect(busy[0]?.json.error?.code).to.equal('HashingBusy');
    expect(busy[0]?.headers.get('retry-after')).to.equal('1');
  });

  it('password hashing leaves the thread pool to SQLite: a query finishes while eight sign-ins are still hashing', async () => {
    await api.close();
    await db.close();
    db = await createTestDatabase({ passwordHashing: { cost: { N: 2 ** 14, r: 8, p: 1 }, workers: 1, maxQueued: 16 } });
    const log = pino({ level: 'silent' });
    api = await startSite({ db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: OPERATOR }, '127.0.0.1', 0);
    await db.accounts.create({ name: 'Ada', email: 'ada@example.test', password: PASSWORD });
    const order: string[] = [];
    const checks = Array.from({ length: 8 }, () => db.accounts.verifyPassword('ada@example.test', 'wrong password').then(() => order.push('hash')));
    // The eight account lookups go first on the one connection; then this query, as a PIN check would.
    await db.knex.raw('select 1');
    await db.knex.raw('select 1');
    order.push('query');
    await Promise.all(checks);
    expect(order[0], order.join(' ')).to.equal('query');
  });

  it('the scrypt pool refuses beyond its bound and serves again afterwards', async () => {
    const pool = new ScryptPool({ workers: 1, maxQueued: 2 });
    try {
      const jobs = Array.from({ length: 6 }, () => pool.derive('pw', Buffer.alloc(16), 32, { N: 2 ** 12, r: 8, p: 1 }).then(() => 'ok', (err: Error) => (err as { code?: string }).code ?? err.message));
      const results = await Promise.all(jobs);
      expect(results.filter((r) => r === 'ok')).to.have.length(3);
      expect(results.filter((r) => r === 'HashingBusy')).to.have.length(3);
      expect((await pool.derive('pw', Buffer.alloc(16), 32, { N: 2 ** 12, r: 8, p: 1 })).length).to.equal(32);
    } finally {
      await pool.close();
    }
  });
});
