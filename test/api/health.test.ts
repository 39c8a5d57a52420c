// GET /health over real HTTP on a real database (SQLite, or PostgreSQL with TOLLBRIDGE_TEST_DB):
// 200 when the process can take calls, 503 when it cannot, with a small JSON body of states,
// counts and problem codes only.
import { expect } from 'chai';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { Database } from '../../db/index.js';
import type { HealthSources } from '../../api/health.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { createTestDatabase, testDatabaseKind } from '../support/db-fixture.js';

const log = pino({ level: 'silent' });

interface Probe {
  status: number;
  body: Record<string, unknown>;
}

async function health(api: ApiServer): Promise<Probe> {
  const res = await fetch(`${api.url}/health`);
  expect(res.headers.get('content-type')).to.equal('application/json');
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('GET /health (real HTTP, real database)', function () {
  this.timeout(30_000);
  const opened: Array<{ db: Database; api: ApiServer }> = [];
  const bridge = { connected: true, live: 0, draining: false };
  const ami = { connected: true };
  let backlog = 0;
  const sources: HealthSources = {
    bridge: { ariConnected: () => bridge.connected, liveCalls: () => bridge.live, draining: () => bridge.draining },
    ami: { connected: () => ami.connected },
    journal: { backlog: async () => backlog },
  };

  async function serve(health?: HealthSources, healthTimeoutMs?: number): Promise<{ db: Database; api: ApiServer }> {
    const db = await createTestDatabase();
    const api = await startSite(
      { db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: '', ...(health === undefined ? {} : { health }), ...(healthTimeoutMs === undefined ? {} : { healthTimeoutMs }) },
      '127.0.0.1',
      0,
    );
    opened.push({ db, api });
    return { db, api };
  }

  afterEach(async () => {
    for (const { db, api } of opened.splice(0)) {
      await api.close();
      await db.close().catch(() => undefined);
    }
    Object.assign(bridge, { connected: true, live: 0, draining: false });
    ami.connected = true;
    backlog = 0;
  });

  it('tollbridge api (no bridge): 200 with the database only, no authentication needed', async () => {
    const { api } = await serve();
    const res = await health(api);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'ok', problems: [], database: { ok: true } });
  });

  it('the bridge: 200 with ARI, AMI, journal backlog and live calls when it can take calls', async () => {
    const { api } = await serve(sources);
    bridge.live = 3;
    backlog = 2;
    const res = await health(api);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({
      status: 'ok',
      problems: [],
      database: { ok: true },
      ari: { connected: true },
      calls: { live: 3, draining: false },
      ami: { connected: true },
      journal: { backlog: 2 },
    });
  });

  it('503 while draining, and while ARI is disconnected', async () => {
    const { api } = await serve(sources);
    bridge.draining = true;
    bridge.live = 1;
    let res = await health(api);
    expect(res.status).to.equal(503);
    expect(res.body).to.include({ status: 'unavailable' });
    expect(res.body.problems).to.deep.equal(['draining']);
    expect(res.body.calls).to.deep.equal({ live: 1, draining: true });
    bridge.draining = false;
    bridge.connected = false;
    res = await health(api);
    expect(res.status).to.equal(503);
    expect(res.body.problems).to.deep.equal(['ari-disconnected']);
    expect(res.body.ari).to.deep.equal({ connected: false });
  });

  it('AMI disconnected is reported but calls can still be taken: 200', async () => {
    const { api } = await serve(sources);
    ami.connected = false;
    const res = await health(api);
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ status: 'ok' });
    expect(res.body.problems).to.deep.equal(['ami-disconnected']);
  });

  it('503 "database-unreachable" once the database connection is gone, with no error text in the body', async () => {
    const { db, api } = await serve(sources);
    expect((await health(api)).status).to.equal(200);
    await db.knex.destroy();
    const res = await health(api);
    expect(res.status).to.equal(503);
    expect(res.body).to.deep.include({ status: 'unavailable', problems: ['database-unreachable'], database: { ok: false } });
    expect(JSON.stringify(res.body)).not.to.match(/error|sqlite|postgres|select/i);
  });

  it('503 "database-timeout" when the database does not answer within the bound (SQLite: its one connection held)', async function () {
    if (testDatabaseKind() !== 'sqlite') {
      this.skip(); // PostgreSQL has a pool: one held connection does not block the check
    }
    const { db, api } = await serve(sources, 200);
    const trx = await db.knex.transaction();
    try {
      const res = await health(api);
      expect(res.status).to.equal(503);
      expect(res.body).to.deep.include({ problems: ['database-timeout'], database: { ok: false } });
    } finally {
      await trx.rollback();
    }
    expect((await health(api)).status).to.equal(200);
  });

  it('is in the OpenAPI document, without security', async () => {
    const { api } = await serve();
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, { get?: { security: unknown[]; responses: Record<string, unknown> } }> };
    expect(doc.paths['/health']?.get?.security).to.deep.equal([]);
    expect(doc.paths['/health']?.get?.responses).to.have.keys('200', '503');
  });
});
