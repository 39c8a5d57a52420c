// `tollbridge api`: the HTTP API alone, without Asterisk: for a machine that manages accounts
// and numbers against the shared PostgreSQL while other machines run the bridge.
import { startSite } from '../web/site.js';
import { scheduleDailyRetention } from '../app/accounts/retention.js';
import { createMailer } from '../app/accounts/mailer.js';
import { loadConfig } from '../config/config.js';
import { pino } from 'pino';
import { createLogger } from '../config/logger.js';
import { UsageError, type Command } from './command.js';
import { noExtraPositionals, openServiceDatabase, reportSecrets } from './open-db.js';
import { untilStopSignal } from './stop-signal.js';

export const apiCommand: Command = {
  path: ['api'],
  summary: 'run only the HTTP API (no Asterisk) on TOLLBRIDGE_API_HOST:TOLLBRIDGE_API_PORT; Ctrl-C stops it',
  usage: 'api',
  optionHelp: [],
  options: {},
  async run(args, io) {
    noExtraPositionals(args, 0);
    const config = loadConfig();
    if (config.api.port === 0) throw new UsageError('TOLLBRIDGE_API_PORT is 0 (API off); set a port, e.g. TOLLBRIDGE_API_PORT=8380');
    // With --json, stdout carries one JSON document, so the logs go to stderr.
    const log = createLogger(config.logLevel, io.json ? pino.destination(2) : undefined);
    const db = await openServiceDatabase(config);
    try {
      await reportSecrets(config, db, log);
      // GET /health reports the database only, GET /metrics the process only: no bridge runs here.
      const { createMetricsRegistry } = await import('../metrics/registry.js'); // not loaded with every command
      const metrics = { registry: createMetricsRegistry(), token: config.api.metricsToken };
      const api = await startSite({ db, mailer: createMailer(config.mail, log), log, operatorToken: config.api.operatorToken, allowedHosts: config.api.allowedHosts, trustedProxies: config.api.trustedProxies, callerRetentionDays: config.callerRetentionDays, recordingsDir: config.recordingsDir, metrics }, config.api.host, config.api.port);
      const stopRetention = scheduleDailyRetention(db, config.callerRetentionDays, log, { dir: config.recordingsDir, days: config.recordingRetentionDays });
      io.result({ url: api.url, openapi: `${api.url}/openapi.json` }, `HTTP API on ${api.url} (OpenAPI: ${api.url}/openapi.json; web pages: ${api.url}/signin)`);
      await untilStopSignal(log);
      stopRetention();
      await api.close();
    } finally {
      await db.close();
    }
  },
};
