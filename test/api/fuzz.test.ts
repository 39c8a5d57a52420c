// A seeded, time-bounded fuzz of every API route: random and malformed requests (methods,
// paths, %-escapes, bodies, content types, headers, huge values) as account A, with account B
// beside it. Never a 500 (nor an error in the log), and B's data is the same afterwards.
// TOLLBRIDGE_FUZZ_SEED replays a run; TOLLBRIDGE_FUZZ_MS sets how long it runs (default 15 s).
import { seededRandom } from '../support/seeded-random.js';
import { expect } from 'chai';
import http from 'node:http';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { Database } from '../../db/index.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { createTestDatabase } from '../support/db-fixture.js';
import { LogSink } from './api-client.js';

const OPERATOR = 'operator-token-for-tests-0123456789';
const PASSWORD = 'correct horse battery';
const SEED = Number(process.env.TOLLBRIDGE_FUZZ_SEED ?? 20261202);
const DURATION_MS = Number(process.env.TOLLBRIDGE_FUZZ_MS ?? 15_000);


interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function send(base: string, req: Sent): Promise<{ status: number; body: string }> {
  const target = new URL(base);
  return new Promise((resolve, reject) => {
    const r = http.request({ host: target.hostname, port: target.port, path: req.path, method: req.method, headers: req.headers, setHost: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

describe('API fuzz: random and malformed requests on every route', function () {
  this.timeout(DURATION_MS + 60_000);
  let db: Database;
  let api: ApiServer;
  let logs: LogSink;

  before(async () => {
    db = await createTestDatabase();
    logs = new LogSink();
    const log = pino({ level: 'info' }, logs);
    api = await startSite({ db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: OPERATOR }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    await db?.close();
  });

  /** Everything of account B a request could touch. */
  async function snapshotOf(accountId: number): Promise<string> {
    const k = db.knex;
    const subscriptions = await k('subscriptions').where({ account_id: accountId }).orderBy('id').select<Array<{ number_id: number }>>('*');
    return JSON.stringify({
      account: await k('accounts').where({ id: accountId }).first<Record<string, unknown> | undefined>(),
      rooms: await k('rooms').where({ account_id: accountId }).orderBy('id'),
      subscriptions,
      numbers: await k('phone_numbers').whereIn('id', subscriptions.map((s) => s.number_id)).orderBy('id'),
      credentials: await k('api_credentials').where({ account_id: accountId }).orderBy('id'),
      ledger: await k('usage_ledger').where({ account_id: accountId }).orderBy('id'),
      statements: await k('statements').where({ account_id: accountId }).orderBy('id'),
    });
  }

  it(`never answers 500 and never changes the other account (seed ${SEED}, ${DURATION_MS} ms)`, async () => {
    const { account: a } = await db.accounts.create({ name: 'Fuzzer A', email: 'a@example.test', password: PASSWORD });
    const { account: b, room: roomB } = await db.accounts.create({ name: 'Victim B', email: 'b@example.test', password: PASSWORD });
    await db.rooms.setPins(roomB.number, { moderator: '482916', participant: '7351' });
    for (const [e164, owner] of [['+18005550201', b.id], ['+18005550202', a.id]] as const) {
      await db.numbers.add(e164, 'toll_free');
      await db.numbers.subscribe(e164, owner);
    }
    await db.numbers.add('+18005550203', 'toll_free');
    const keyB = await db.credentials.createApiKey(b.id, 'b key');
    await db.credentials.session(b.id);
    const leg = await db.numbers.routeFor('+18005550201');
    await db.ledger.openLeg({ channelId: 'fuzz-b-1', accountId: b.id, subscriptionId: leg?.subscriptionId ?? 0, numberId: leg?.numberId ?? 0, dialled: '+18005550201', callerNumber: null, answeredAt: Date.now() - 120_000 });
    await db.ledger.closeLeg('fuzz-b-1', Date.now() - 60_000);
    const before = await snapshotOf(b.id);

    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path: p })));
    expect(routes.length).to.be.greaterThan(20);

    const random = seededRandom(SEED);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const chance = (p: number) => random() < p;
    let tokenA = (await db.credentials.session(a.id)).token;
    let passwordA = PASSWORD;

    const nasty = ['', ' ', '0', '-1', '1e400', 'NaN', 'null', '..', '%', '%00', '%E0%A4%A', '%2F..%2F', 'é', '\u0000', '\u202e', '<script>', "' OR 1=1 --", 'x'.repeat(5000), '9'.repeat(40), '+18005550201', '2026-11', '0000-01', '99999-01'];
    const strings = () => pick([...nasty, 'a@example.test', 'b@example.test', '+18005550203', PASSWORD, passwordA, '1234', '482916', 'toll_free', 'local', 'end', 'wait', 'en', 'x'.repeat(70_000), 'a\r\nb', '\ud800']);
    const value = (depth = 0): unknown => {
      const kind = Math.floor(random() * (depth > 2 ? 5 : 8));
      switch (kind) {
        case 0: return strings();
        case 1: return pick([0, -1, 1, 2.5, 1e308, -1e308, 2 ** 53 + 1, 1000, 50]);
        case 2: return pick([true, false, null]);
        case 3: return strings();
        case 4: return Math.floor(random() * 100_000);
        case 5: return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
        default: {
          const o: Record<string, unknown> = {};
          const names = ['email', 'password', 'currentPassword', 'newPassword', 'name', 'label', 'moderator', 'participant', 'e164', 'kind', 'perMinute', 'incrementSeconds', 'minimumSeconds', 'onModeratorLeave', 'language', 'locked', 'maxParticipants', 'number', '__proto__', 'constructor'];
          for (let i = Math.floor(random() * 5); i > 0; i--) Object.defineProperty(o, pick(names), { value: value(depth + 1), enumerable: true, configurable: true, writable: true });
          return o;
        }
      }
    };
    const param = (name: string): string => {
      if (name === 'accountId') return chance(0.7) ? String(a.id) : chance(0.5) ? String(b.id) : encodeURIComponent(pick(nasty));
      if (name === 'e164') return chance(0.6) ? encodeURIComponent(pick(['+18005550201', '+18005550202', '+18005550203'])) : pick(nasty.map((n) => (n.startsWith('%') ? n : encodeURIComponent(n))));
      if (name === 'keyId') return chance(0.6) ? String(Math.floor(random() * 10)) : chance(0.5) ? String(keyB.id) : encodeURIComponent(pick(nasty));
      if (name === 'period') return pick(['2026-11', '2026-12', '0000-01', '9999-12', '2026-13', '1999-01', encodeURIComponent(pick(nasty))]);
      if (name === 'kind') return pick(['toll_free', 'local', 'premium', encodeURIComponent(pick(nasty))]);
      if (name === 'id') return chance(0.5) ? String(b.id) : encodeURIComponent(pick(nasty));
      return encodeURIComponent(pick(nasty));
    };
    const query = (): string => {
      if (!chance(0.4)) return '';
      const q = new URLSearchParams();
      for (let i = Math.floor(random() * 4) + 1; i > 0; i--) q.append(pick(['limit', 'after', 'from', 'to', 'format', 'available']), chance(0.5) ? JSON.stringify(value()) : pick(['2026-11-01', '1', '500', '501', 'csv', 'true', '2026-02-30', '1.2']));
      return `?${q.toString()}${chance(0.1) ? '&%zz=%' : ''}`;
    };
    const requestFor = (): Sent => {
      const route = pick(routes);
      const method = chance(0.85) ? route.method : pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'FOO']);
      let p = route.path.replace(/\{([A-Za-z0-9]+)\}/g, (_m, name: string) => param(name));
      if (chance(0.05)) p = pick(['/v1/accounts', '/v1//accounts', `/v1/accounts/${a.id}/room/`, '/v1/../v1/operator/accounts', '/%', `/v1/accounts/${a.id}/room/pins/extra`]);
      const headers: Record<string, string> = { host: chance(0.95) ? '127.0.0.1' : pick(['evil.example', '', 'localhost:1', '[::1]', 'a'.repeat(300)]) };
      const auth = random();
      if (auth < 0.75) headers.authorization = `Bearer ${tokenA}`;
      else if (auth < 0.8) headers.authorization = `Bearer ${OPERATOR.slice(0, -1)}x`;
      else if (auth < 0.85) headers.authorization = pick(['Bearer', 'Basic YTpi', `Bearer ${'t'.repeat(500)}`, 'bearer  tb_s_x', `Bearer ${tokenA} extra`]);
      if (chance(0.1)) headers.accept = pick(['text/csv', '*/*', 'application/xml']);
      let body: string | undefined;
      if (method !== 'GET' && method !== 'HEAD' && chance(0.9)) {
        body = chance(0.85) ? JSON.stringify(value()) : pick(['{', '[1,', 'null', '"str"', '{"a":1}{"b":2}', '\u0000', 'x'.repeat(70_000), '{"email":"a@example.test"']);
        headers['content-type'] = chance(0.85) ? pick(['application/json', 'application/json; charset=utf-8', 'application/merge-patch+json']) : pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/jsonp', '']);
        headers['content-length'] = String(Buffer.byteLength(body));
      }
      return { method, path: p + query(), headers, body };
    };

    const deadline = Date.now() + DURATION_MS;
    const seen = new Map<number, number>();
    let sent = 0;
    while (Date.now() < deadline) {
      const batch = Array.from({ length: 4 }, requestFor);
      const answers = await Promise.all(batch.map((r) => send(api.url, r)));
      for (const [i, answer] of answers.entries()) {
        const req = batch[i] as Sent;
        sent++;
        seen.set(answer.status, (seen.get(answer.status) ?? 0) + 1);
        const what = `seed ${SEED}, request ${sent}: ${req.method} ${req.path.slice(0, 200)} ${JSON.stringify(req.headers).slice(0, 300)} ${(req.body ?? '').slice(0, 300)} -> ${answer.status} ${answer.body.slice(0, 300)}`;
        expect(answer.status, what).to.not.equal(500);
        if (answer.status >= 500) expect(answer.body, what).to.contain('HashingBusy');
        const body = req.body === undefined ? {} : (() => { try { return JSON.parse(req.body) as Record<string, unknown>; } catch { return {}; } })();
        if (answer.status === 200 && req.path.includes('/password') && typeof body === 'object' && body !== null && typeof body.newPassword === 'string') passwordA = body.newPassword;
      }
      // A's own credentials may have been revoked by the fuzz itself: take a fresh one.
      if ((await db.credentials.accountFor(tokenA)) === null) tokenA = (await db.credentials.session(a.id)).token;
    }
    expect(logs.lines.filter((l) => Number(l.level) >= 50), logs.text.slice(0, 2000)).to.deep.equal([]);
    expect(await snapshotOf(b.id)).to.equal(before);
    expect(sent).to.be.greaterThan(50);
    // What the run covered, for the reader of the test log.
    console.log(`      fuzz: ${sent} requests, statuses ${JSON.stringify(Object.fromEntries([...seen].sort((x, y) => x[0] - y[0])))}`);
  });
});
