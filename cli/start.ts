// `tollbridge start`: the bridge with its embedded defaults (local Asterisk, SQLite), a demo
// room on an empty database, and a ready command line to call it.
import { BridgeApp } from '../app/bridge-app.js';
import { createMailer } from '../app/mailer.js';
import { startApi } from '../api/server.js';
import { databasePorts } from '../app/database-ports.js';
import { ensureDemo, type Demo } from '../app/demo-seed.js';
import { loadConfig } from '../config/config.js';
import { pino } from 'pino';
import { createLogger } from '../config/logger.js';
import { openDatabase } from '../db/index.js';
import type { Command } from './command.js';
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
  summary: 'run the bridge: Asterisk, the ARI app, the database; Ctrl-C drains calls and stops',
  usage: 'start [--no-demo]',
  optionHelp: ['--no-demo  do not create the demo account on an empty database'],
  options: { 'no-demo': { type: 'boolean' } },
  async run(args, io) {
    const config = loadConfig();
    // With --json, stdout carries one JSON document, so the logs go to stderr.
    const log = createLogger(config.logLevel, io.json ? pino.destination(2) : undefined);
    const db = await openDatabase(config.database, { pinSecret: config.pinSecret, quarantineDays: config.quarantineDays });
    const demo = args.values['no-demo'] === true ? null : await ensureDemo(db);
    const app = await BridgeApp.start({ asterisk: config.asterisk, ...databasePorts(db), log, limits: config.limits });
    const api = config.api.port === 0 ? null : await startApi({ db, mailer: createMailer(config.mail, log), log, operatorToken: config.api.operatorToken }, config.api.host, config.api.port);
    const sipp = demo === null ? null : demoSippCommand(demo, config.asterisk.sipPort, config.dataDir);
    const apiLine = api === null ? 'HTTP API off (TOLLBRIDGE_API_PORT=0)' : `HTTP API on ${api.url} (OpenAPI: ${api.url}/openapi.json)`;
    io.result(
      { demo, sipPort: config.asterisk.sipPort, sipp, api: api?.url ?? null },
      [`Bridge running: SIP on 127.0.0.1:${config.asterisk.sipPort}; ${apiLine}`, ...(demo === null || sipp === null ? [] : [demoText(demo, config.asterisk.sipPort, sipp)])].join('\n'),
    );
    await untilStopSignal(log);
    await api?.close();
    await app.stop();
    await db.close();
  },
};
