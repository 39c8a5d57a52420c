// `tollbridge start`: the bridge with its embedded defaults (local Asterisk, SQLite), a demo
// room on an empty database, and a ready command line to call it.
import { BridgeApp, type StopOptions } from '../app/calls/bridge-app.js';
import { createMailer } from '../app/accounts/mailer.js';
import type { ApiServer } from '../api/server.js';
import { startSite } from '../web/site.js';
import { scheduleDailyRetention } from '../app/accounts/retention.js';
import { ServiceWatchdog } from '../app/supervision/service-watchdog.js';
import { systemdNotifier, watchdogIntervalMs } from '../app/supervision/systemd-notify.js';
import type { HealthSources } from '../api/health.js';
import { databasePorts, holdRoomsInMemory, openJournaledLedger } from '../app/calls/database-ports.js';
import { databasePinGuard, guessingLimits } from '../app/calls/pin-guard.js';
import { SpendCaps } from '../app/calls/spend-caps.js';
import { SystemNameLease, SystemNameTaken } from '../app/calls/system-lease.js';
import { SharedIvrCounts } from '../app/calls/shared-ivr-counts.js';
import { ensureDemo, type Demo } from '../app/accounts/demo-seed.js';
import { loadConfig } from '../config/config.js';
import { pino } from 'pino';
import { createLogger } from '../config/logger.js';
import type { Command } from './command.js';
import { openServiceDatabase, reportSecrets } from './open-db.js';
import { untilStopSignal } from './stop-signal.js';
import path from 'node:path';
import { sippArguments, writeCallFiles, type CallOptions } from '../sipp/caller.js';

/** Writes the demo moderator's SIPp scenario and RTP stream; returns a ready sipp command line. */
function demoSippCommand(demo: Demo, sipPort: number, dataDir: string): string {
  const options: CallOptions = {
    target: { host: '127.0.0.1', port: sipPort },
    dialled: demo.tollFree,
    callerNumber: '+15550001234',
    steps: [{ pauseMs: 1000 }, { digits: `${demo.roomNumber}#${demo.moderatorPin}#` }],
    hangup: { by: 'caller', afterMs: 30_000 },
  };
  const files = writeCallFiles(options, path.join(dataDir, 'demo-call'));
  return ['sipp', ...sippArguments(options, files, { sipPort: 5070, mediaPort: 6000, callId: 'tollbridge-demo' })].join(' ');
}

function demoText(demo: Demo, sipPort: number, sippCommand: string): string {
  const digits = `${demo.roomNumber}#${demo.moderatorPin}#`;
  return [
    '',
    `Demo room ${demo.roomNumber} on ${demo.tollFree}${demo.created ? ' (just created)' : ''}`,
    `  moderator PIN ${demo.moderatorPin}, participant PIN ${demo.participantPin}`,
    '  Join as moderator with a real SIP call, in another terminal (as root):',
    `    node dist/cli/main.js call ${demo.tollFree} --digits '${digits}' --stay 30 --port ${sipPort}`,
    '  or with SIPp directly (30 s in the room, then BYE):',
    `    ${sippCommand}`,
    '',
  ].join('\n');
}

export const startCommand: Command = {
  path: ['start'],
  summary: 'run the bridge: Asterisk, the ARI app, the database; SIGTERM/Ctrl-C refuses new calls, drains the others (TOLLBRIDGE_DRAIN_SECONDS) and stops; SIGUSR2 hands the calls over to the next start (Asterisk keeps running)',
  usage: 'start [--no-demo]',
  optionHelp: ['--no-demo  do not create the demo account on an empty database'],
  options: { 'no-demo': { type: 'boolean' } },
  async run(args, io) {
    const config = loadConfig();
    // With --json, stdout carries one JSON document, so the logs go to stderr.
    const log = createLogger(config.logLevel, io.json ? pino.destination(2) : undefined);
    // Every way out below is explicit: a service that is missing at start or lost for good
    // ends the process with exit 69 (ServiceUnavailableError) after closing what was opened.
    const db = await openServiceDatabase(config);
    // Caller numbers older than the retention are erased now and daily (an unref'd timer).
    const stopRetention = scheduleDailyRetention(db, config.callerRetentionDays, log, { dir: config.recordingsDir, days: config.recordingRetentionDays });
    // Before anything touches Asterisk or the journal: one live process per systemname (exit 75 otherwise).
    let lease: SystemNameLease | null = null;
    let ivrCounts: SharedIvrCounts | null = null;
    try {
      lease = await SystemNameLease.claim(db.systemLeases, config.asterisk.systemName, log);
      // The IVR caps count the calls of every bridge process on the database (published under the systemname).
      ivrCounts = await SharedIvrCounts.start(db.ivrCounts, config.asterisk.systemName, log);
      await reportSecrets(config, db, log);
      const demo = args.values['no-demo'] === true ? null : await ensureDemo(db, config.dataDir);
      // Leg opens and closes go to the local journal first, then to the database (app/calls/database-ports.ts).
      const ledger = await openJournaledLedger(db, config.ledgerJournalDir, log, { sync: config.ledgerJournalSync, adoptFrom: config.sharedLedgerJournalDir });
      // GET /metrics (metrics/): this process's own registry. Loaded here, not with every command (prom-client costs ~0.25 s to load).
      const { BridgeMetrics } = await import('../metrics/bridge-metrics.js');
      const metrics = new BridgeMetrics();
      metrics.ledger.watchJournal(ledger);
      const ports = databasePorts(db);
      await holdRoomsInMemory(db, log);
      const mailer = createMailer(config.mail, log);
      const spendCaps = new SpendCaps(db, mailer, log);
      let app: BridgeApp;
      try {
        app = await BridgeApp.start({
          asterisk: config.asterisk, directory: ports.directory, legRecovery: ledger.recovery(ports.legRecovery), ledger, log, drainMs: config.drainSeconds * 1000, limits: config.limits,
          pinGuard: databasePinGuard(db, mailer, log, metrics.calls), guessing: guessingLimits(config.pinGuessing), ivrElsewhere: ivrCounts,
          recordingsDir: config.recordingsDir, recordings: db.recordings, metrics, spendCaps, callbacks: config.callbacks,
        });
      } catch (err) {
        await ledger.close();
        throw err;
      }
      const health: HealthSources = { bridge: app, ami: { connected: () => app.ami.connected }, journal: { backlog: () => ledger.backlog() } };
      // Anything but a stop signal (the API's port taken, ARI lost): end the calls at once.
      let stopOptions: StopOptions = { drainMs: 0 };
      let api: ApiServer | null = null;
      let watchdog: ServiceWatchdog | null = null;
      try {
        api = config.api.port === 0 ? null : await startSite({ db, mailer, log, operatorToken: config.api.operatorToken, allowedHosts: config.api.allowedHosts, trustedProxies: config.api.trustedProxies, health, callerRetentionDays: config.callerRetentionDays, live: app.live, recordingsDir: config.recordingsDir, recording: app.recording, metrics: { registry: metrics.registry, token: config.api.metricsToken } }, config.api.host, config.api.port);
        const sipp = demo === null ? null : demoSippCommand(demo, config.asterisk.sipPort, config.dataDir);
        const apiLine = api === null ? 'HTTP API off (TOLLBRIDGE_API_PORT=0)' : `HTTP API on ${api.url} (OpenAPI: ${api.url}/openapi.json; web pages: ${api.url}/signin)`;
        io.result(
          { demo, sipPort: config.asterisk.sipPort, sipp, api: api?.url ?? null },
          [`Bridge running: SIP on 127.0.0.1:${config.asterisk.sipPort}; ${apiLine}`, ...(demo === null || sipp === null ? [] : [demoText(demo, config.asterisk.sipPort, sipp)])].join('\n'),
        );
        // Under systemd (Type=notify): ready now, and the watchdog pings while ARI is up.
        const notify = systemdNotifier(process.env, log);
        watchdog = notify === null ? null : new ServiceWatchdog(notify, app, watchdogIntervalMs(process.env));
        await watchdog?.ready();
        const outcome = await Promise.race([untilStopSignal(log), app.failed, lease.lost]);
        await watchdog?.stopping();
        if (outcome instanceof SystemNameTaken) {
          // Another process runs this systemname now: no new calls; those in progress drain as on a stop.
          stopOptions = {};
          throw outcome;
        }
        if (outcome instanceof Error) {
          log.error({ err: outcome }, 'the bridge cannot take calls any more: stopping');
          throw outcome;
        }
        if (outcome === 'SIGUSR2') {
          stopOptions = { handOver: true };
          return;
        }
        // A second signal during the drain ends the calls still up at once (legs closed).
        const hurry = () => {
          log.info('second stop signal: ending the calls still up now');
          app.hurry();
        };
        process.once('SIGINT', hurry);
        process.once('SIGTERM', hurry);
        stopOptions = {};
      } finally {
        // The API stays up while calls drain, so GET /health answers 503 "draining" meanwhile.
        watchdog?.stop();
        await app.stop(stopOptions);
        spendCaps.close();
        await api?.close();
        await ledger.close();
      }
    } finally {
      stopRetention();
      await ivrCounts?.stop();
      await lease?.release();
      await db.close();
    }
  },
};
