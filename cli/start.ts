// `tollbridge start`: the bridge with its embedded defaults (local Asterisk, SQLite), a demo
// room on an empty database, and a ready command line to call it.
import { BridgeApp } from '../app/bridge-app.js';
import { databasePorts } from '../app/database-ports.js';
import { ensureDemo, type Demo } from '../app/demo-seed.js';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../config/logger.js';
import { openDatabase } from '../db/index.js';
import type { Command } from './command.js';

function demoText(demo: Demo, sipPort: number): string {
  const digits = `${demo.roomNumber}#${demo.moderatorPin}#`;
  return [
    '',
    `Demo room ${demo.roomNumber} on ${demo.tollFree}${demo.created ? ' (just created)' : ''}`,
    `  moderator PIN ${demo.moderatorPin}, participant PIN ${demo.participantPin}`,
    '  Join as moderator with a real SIP call (SIPp), in another terminal:',
    `    node dist/cli/main.js call ${demo.tollFree} --digits '${digits}' --stay 30 --port ${sipPort}`,
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
    const log = createLogger(config.logLevel);
    const db = await openDatabase(config.database, { pinSecret: config.pinSecret });
    const demo = args.values['no-demo'] === true ? null : await ensureDemo(db);
    const app = await BridgeApp.start({ asterisk: config.asterisk, ...databasePorts(db), log });
    if (demo !== null) io.result({ demo, sipPort: config.asterisk.sipPort }, demoText(demo, config.asterisk.sipPort));
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log.info({ signal }, 'stopping');
        resolve();
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
    await app.stop();
    await db.close();
  },
};
