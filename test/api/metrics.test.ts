// GET /metrics over real HTTP on a real database: Prometheus's text format from the process's
// own registry, open or behind TOLLBRIDGE_METRICS_TOKEN, and absent where no registry is given.
import { expect } from 'chai';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { Database } from '../../db/index.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import type { MetricsEndpoint } from '../../api/metrics-route.js';
import { BridgeMetrics } from '../../metrics/bridge-metrics.js';
import { createMetricsRegistry } from '../../metrics/registry.js';
import { createTestDatabase } from '../support/db-fixture.js';
import { parseExposition } from '../support/prometheus-text.js';

const log = pino({ level: 'silent' });
const TOKEN = 'prometheus-scrape-token-1';

describe('GET /metrics (real HTTP, real database)', function () {
  this.timeout(30_000);
  const opened: Array<{ db: Database; api: ApiServer }> = [];

  async function serve(metrics?: MetricsEndpoint): Promise<ApiServer> {
    const db = await createTestDatabase();
    const api = await startSite({ db, mailer: createMailer({ smtpUrl: '', from: 'x@tollbridge.test' }, log), log, operatorToken: '', ...(metrics === undefined ? {} : { metrics }) }, '127.0.0.1', 0);
    opened.push({ db, api });
    return api;
  }

  afterEach(async () => {
    for (const { db, api } of opened.splice(0)) {
      await api.close();
      await db.close().catch(() => undefined);
    }
  });

  it("the bridge's metrics in Prometheus's text format, every family typed, process metrics under their standard names", async () => {
    const metrics = new BridgeMetrics();
    metrics.watch({ callSteps: () => ({ admission: 0, 'room-number': 1, pin: 2, 'entry-steps': 0, joining: 0, waiting: 1, 'in-room': 5, farewell: 0, closing: 0 }), liveRooms: () => 2, ariConnected: () => true, eventsHeld: () => 0, roomOperationsQueued: () => 0 });
    metrics.calls.pinFailed('invalid');
    const api = await serve({ registry: metrics.registry, token: '' });
    const res = await fetch(`${api.url}/metrics`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers.get('cache-control')).to.equal('no-store');
    const text = parseExposition(await res.text());
    expect(text.value('tollbridge_live_calls', { step: 'in-room' })).to.equal(5);
    expect(text.value('tollbridge_live_calls', { step: 'pin' })).to.equal(2);
    expect(text.value('tollbridge_live_rooms')).to.equal(2);
    expect(text.value('tollbridge_ari_connected')).to.equal(1);
    expect(text.value('tollbridge_pin_failures_total', { reason: 'invalid' })).to.equal(1);
    expect(text.value('process_cpu_seconds_total')).to.be.greaterThan(0);
    expect(text.types.get('nodejs_eventloop_lag_seconds')).to.equal('gauge');
    // Every sample belongs to a typed family, and every tollbridge name says its unit or is a count.
    const families = [...text.types.keys()];
    for (const s of text.samples) expect(families.some((f) => s.name === f || s.name.startsWith(`${f}_`)), s.name).to.equal(true);
    for (const f of families.filter((n) => n.startsWith('tollbridge_'))) expect(f).to.match(/_(total|seconds|calls|rooms|connected|held|queued|backlog)$/);
  });

  it('with TOLLBRIDGE_METRICS_TOKEN: 403 without it or with another, 200 with it', async () => {
    const api = await serve({ registry: createMetricsRegistry(), token: TOKEN });
    expect((await fetch(`${api.url}/metrics`)).status).to.equal(403);
    expect((await fetch(`${api.url}/metrics`, { headers: { authorization: 'Bearer not-the-token-at-all' } })).status).to.equal(403);
    const res = await fetch(`${api.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).to.equal(200);
    expect(await res.text()).to.include('process_resident_memory_bytes');
  });

  it('`tollbridge api` (no bridge): the process metrics only; no registry given: 404', async () => {
    const api = await serve({ registry: createMetricsRegistry(), token: '' });
    const text = await (await fetch(`${api.url}/metrics`)).text();
    expect(text).to.include('process_cpu_seconds_total');
    expect(text).to.not.include('tollbridge_');
    const without = await serve();
    expect((await fetch(`${without.url}/metrics`)).status).to.equal(404);
  });

  it('is not part of the JSON API description (it is not JSON)', async () => {
    const api = await serve({ registry: createMetricsRegistry(), token: '' });
    const doc = (await (await fetch(`${api.url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(doc.paths).to.not.have.property('/metrics');
    expect(doc.paths).to.have.property('/health');
  });
});
