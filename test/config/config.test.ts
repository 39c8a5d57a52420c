import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../config/config.js';
import { repoRoot } from '../../config/paths.js';
import { placeholderValues, renderAsteriskConfig } from '../../asterisk/config-render.js';

describe('configuration', () => {
  it('has working defaults: loopback Asterisk on 5060/8088, SQLite under ./data', () => {
    const cfg = loadConfig({});
    expect(cfg.asterisk).to.include({ sipPort: 5060, ariPort: 8088, ariApp: 'tollbridge', managed: true, host: '127.0.0.1' });
    expect(cfg.asterisk.carrierIps).to.deep.equal(['127.0.0.1']);
    expect(cfg.database.client).to.equal('sqlite');
    expect(cfg.quarantineDays).to.equal(30);
    expect(loadConfig({ TOLLBRIDGE_QUARANTINE_DAYS: '0' }).quarantineDays).to.equal(0);
    expect(cfg.drainSeconds).to.equal(30);
    expect(loadConfig({ TOLLBRIDGE_DRAIN_SECONDS: '0' }).drainSeconds).to.equal(0);
  });

  it('PIN guessing limits: defaults, and each variable read', () => {
    expect(loadConfig({}).pinGuessing).to.deep.equal({
      roomLockAfter: { moderator: 10, participant: 10 }, callerLockAfter: 10, lockMs: 172_800_000, windowMs: 172_800_000,
      pauseMs: 1000, maxPauseMs: 8000, maxUnauthenticatedPerNumber: 400, maxUnauthenticatedPerCaller: 10, maxFailingPerNumber: 50, moderatorPinMinDigits: 4,
    });
    const cfg = loadConfig({
      TOLLBRIDGE_PIN_MODERATOR_LOCK_AFTER: '5', TOLLBRIDGE_PIN_PARTICIPANT_LOCK_AFTER: '20', TOLLBRIDGE_PIN_CALLER_LOCK_AFTER: '6', TOLLBRIDGE_PIN_LOCK_S: '3600',
      TOLLBRIDGE_PIN_WINDOW_S: '7200', TOLLBRIDGE_PIN_PAUSE_MS: '0', TOLLBRIDGE_PIN_MAX_PAUSE_MS: '0', TOLLBRIDGE_MAX_IVR_CALLS_PER_NUMBER: '0',
      TOLLBRIDGE_MAX_IVR_CALLS_PER_CALLER: '2', TOLLBRIDGE_MAX_IVR_FAILING_PER_NUMBER: '3', TOLLBRIDGE_MODERATOR_PIN_MIN_DIGITS: '6',
    }).pinGuessing;
    expect(cfg).to.deep.equal({
      roomLockAfter: { moderator: 5, participant: 20 }, callerLockAfter: 6, lockMs: 3_600_000, windowMs: 7_200_000,
      pauseMs: 0, maxPauseMs: 0, maxUnauthenticatedPerNumber: 0, maxUnauthenticatedPerCaller: 2, maxFailingPerNumber: 3, moderatorPinMinDigits: 6,
    });
  });

  it('reads a PostgreSQL URL and a list of carrier addresses', () => {
    const cfg = loadConfig({ TOLLBRIDGE_DB: 'postgres://u:p@127.0.0.1:5432/tb', TOLLBRIDGE_CARRIER_IPS: '10.0.0.1, 192.0.2.0/24' });
    expect(cfg.database).to.deep.equal({ client: 'postgres', url: 'postgres://u:p@127.0.0.1:5432/tb' });
    expect(cfg.asterisk.carrierIps).to.deep.equal(['10.0.0.1', '192.0.2.0/24']);
  });

  it('systemname defaults to the instance name; the ledger journal lives in the data dir, one folder per systemname, and is fsync\'d', () => {
    const cfg = loadConfig({ TOLLBRIDGE_ASTERISK_INSTANCE: 'edge-2', TOLLBRIDGE_DATA_DIR: '/srv/tb' });
    expect(cfg.asterisk.systemName).to.equal('edge-2');
    expect(cfg.ledgerJournalDir).to.equal('/srv/tb/ledger-journal/edge-2');
    expect(cfg.sharedLedgerJournalDir).to.equal('/srv/tb/ledger-journal');
    expect(loadConfig({ TOLLBRIDGE_DATA_DIR: '/srv/tb', TOLLBRIDGE_ASTERISK_SYSTEMNAME: 'pop-b' }).ledgerJournalDir).to.equal('/srv/tb/ledger-journal/pop-b');
    expect(loadConfig({ TOLLBRIDGE_LEDGER_JOURNAL_DIR: '/var/tb-journal' })).to.deep.include({ ledgerJournalDir: '/var/tb-journal', sharedLedgerJournalDir: null });
    expect(cfg.ledgerJournalSync).to.equal(true);
    expect(loadConfig({ TOLLBRIDGE_ASTERISK_SYSTEMNAME: 'pop-ams-1' }).asterisk.systemName).to.equal('pop-ams-1');
    expect(loadConfig({ TOLLBRIDGE_LEDGER_JOURNAL_FSYNC: 'no' }).ledgerJournalSync).to.equal(false);
    const asterisk = renderAsteriskConfig(loadConfig({ TOLLBRIDGE_ASTERISK_SYSTEMNAME: 'pop-ams-1' }).asterisk).find(([name]) => name === 'asterisk.conf')?.[1] ?? '';
    expect(asterisk).to.contain('systemname = pop-ams-1');
  });

  const bad: Array<[string, Record<string, string>]> = [
    ['TOLLBRIDGE_ASTERISK_SYSTEMNAME', { TOLLBRIDGE_ASTERISK_SYSTEMNAME: 'a.b' }],
    ['TOLLBRIDGE_LEDGER_JOURNAL_FSYNC', { TOLLBRIDGE_LEDGER_JOURNAL_FSYNC: 'sometimes' }],
    ['TOLLBRIDGE_SIP_PORT', { TOLLBRIDGE_SIP_PORT: '70000' }],
    ['TOLLBRIDGE_ARI_PORT', { TOLLBRIDGE_ARI_PORT: 'http' }],
    ['TOLLBRIDGE_CARRIER_IPS', { TOLLBRIDGE_CARRIER_IPS: '300.1.1.1' }],
    ['TOLLBRIDGE_CARRIER_IPS', { TOLLBRIDGE_CARRIER_IPS: ' , ' }],
    ['TOLLBRIDGE_DB', { TOLLBRIDGE_DB: 'mysql://x' }],
    ['TOLLBRIDGE_RTP_END', { TOLLBRIDGE_RTP_START: '30000', TOLLBRIDGE_RTP_END: '20000' }],
    ['TOLLBRIDGE_ARI_APP', { TOLLBRIDGE_ARI_APP: 'my app!' }],
    ['TOLLBRIDGE_MANAGE_ASTERISK', { TOLLBRIDGE_MANAGE_ASTERISK: 'maybe' }],
    ['TOLLBRIDGE_QUARANTINE_DAYS', { TOLLBRIDGE_QUARANTINE_DAYS: '2.5' }],
    ['TOLLBRIDGE_QUARANTINE_DAYS', { TOLLBRIDGE_QUARANTINE_DAYS: '-1' }],
    ['TOLLBRIDGE_QUARANTINE_DAYS', { TOLLBRIDGE_QUARANTINE_DAYS: '9999' }],
    ['TOLLBRIDGE_DRAIN_SECONDS', { TOLLBRIDGE_DRAIN_SECONDS: '1.5' }],
    ['TOLLBRIDGE_DRAIN_SECONDS', { TOLLBRIDGE_DRAIN_SECONDS: '-1' }],
    ['TOLLBRIDGE_PIN_MODERATOR_LOCK_AFTER', { TOLLBRIDGE_PIN_MODERATOR_LOCK_AFTER: '0' }],
    ['TOLLBRIDGE_PIN_LOCK_S', { TOLLBRIDGE_PIN_LOCK_S: '0' }],
    ['TOLLBRIDGE_PIN_MAX_PAUSE_MS', { TOLLBRIDGE_PIN_PAUSE_MS: '5000', TOLLBRIDGE_PIN_MAX_PAUSE_MS: '1000' }],
    ['TOLLBRIDGE_MAX_IVR_CALLS_PER_CALLER', { TOLLBRIDGE_MAX_IVR_CALLS_PER_CALLER: 'many' }],
    ['TOLLBRIDGE_MAX_IVR_FAILING_PER_NUMBER', { TOLLBRIDGE_MAX_IVR_FAILING_PER_NUMBER: '-1' }],
    ['TOLLBRIDGE_MODERATOR_PIN_MIN_DIGITS', { TOLLBRIDGE_MODERATOR_PIN_MIN_DIGITS: '9' }],
    ['TOLLBRIDGE_METRICS_TOKEN', { TOLLBRIDGE_METRICS_TOKEN: 'short' }],
    ['TOLLBRIDGE_METRICS_TOKEN', { TOLLBRIDGE_METRICS_TOKEN: 'a token with spaces in it' }],
  ];

  it('GET /metrics: open by default, a bearer token when TOLLBRIDGE_METRICS_TOKEN is set', () => {
    expect(loadConfig({}).api.metricsToken).to.equal('');
    expect(loadConfig({ TOLLBRIDGE_METRICS_TOKEN: 'prometheus-scrape-token' }).api.metricsToken).to.equal('prometheus-scrape-token');
  });
  for (const [variable, env] of bad) {
    it(`refuses a bad ${variable} with a message naming it (${JSON.stringify(env)})`, () => {
      expect(() => loadConfig(env)).to.throw(ConfigError, variable);
    });
  }

  it('renders every Asterisk config file with no placeholder left', () => {
    const files = renderAsteriskConfig(loadConfig({ TOLLBRIDGE_CARRIER_IPS: '127.0.0.1,127.0.0.2' }).asterisk);
    expect(files.map(([name]) => name)).to.include.members(['pjsip.conf', 'extensions.conf', 'ari.conf', 'http.conf', 'manager.conf']);
    for (const [name, text] of files) expect(text, name).not.to.match(/@@[A-Z_]+@@/);
    const pjsip = files.find(([name]) => name === 'pjsip.conf')?.[1] ?? '';
    expect(pjsip).to.contain('match = 127.0.0.1\nmatch = 127.0.0.2');
  });

  it("keeps the app's AMI user filtered when the load bench asks for diagnostics: the bench gets a user of its own", () => {
    const managerConf = (env: Record<string, string>) => renderAsteriskConfig(loadConfig(env).asterisk).find(([name]) => name === 'manager.conf')?.[1] ?? '';
    const users = (text: string) =>
      text
        .split(/^(?=\[)/m)
        .map((section) => ({ name: /^\[([^\]]+)\]/.exec(section)?.[1], body: section.slice(section.indexOf('\n') + 1).trim() }))
        .filter((u) => u.name !== undefined && u.name !== 'general');
    const service = users(managerConf({}));
    expect(service.map((u) => u.name)).to.deep.equal(['tollbridge']);
    const bench = users(managerConf({ TOLLBRIDGE_AMI_DIAGNOSTICS: 'yes' }));
    expect(bench.map((u) => u.name)).to.deep.equal(['tollbridge', 'tollbridge-diagnostics']);
    // The app's user is the same as in service: read call,dtmf, no write, its event filter.
    expect(bench[0]?.body).to.equal(service[0]?.body);
    expect(bench[0]?.body).to.match(/^read = call,dtmf$/m).and.match(/^eventfilter = Event: DTMFEnd$/m);
    expect(bench[1]?.body).to.match(/^read = system,call/m).and.not.match(/eventfilter|originate/);
  });

  it('the docker Asterisk entrypoint fills the same placeholders as the app', () => {
    const script = fs.readFileSync(path.join(repoRoot(), 'docker', 'asterisk-entrypoint.sh'), 'utf8');
    const inScript = [...new Set([...script.matchAll(/\[([A-Z_]+)\]=/g)].map((m) => m[1]))].sort();
    expect(inScript).to.deep.equal(Object.keys(placeholderValues(loadConfig({}).asterisk)).sort());
  });
});

describe('config: the log level', () => {
  it('TOLLBRIDGE_LOG_LEVEL is one of pino\'s levels; an unknown one is refused, naming the variable and the levels', () => {
    expect(loadConfig({ TOLLBRIDGE_LOG_LEVEL: 'debug' }).logLevel).to.equal('debug');
    expect(loadConfig({}).logLevel).to.equal('info');
    expect(() => loadConfig({ TOLLBRIDGE_LOG_LEVEL: 'verbose' })).to.throw(ConfigError, /TOLLBRIDGE_LOG_LEVEL.*"verbose" is not one of trace, debug, info, warn, error, fatal, silent/);
  });
});
