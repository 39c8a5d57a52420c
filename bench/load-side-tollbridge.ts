// The tollbridge side of the load bench: `tollbridge start --json --no-demo` as a separate
// process (so its CPU and memory are its own), on a database seeded beforehand, managing its
// own Asterisk instance. Its logs go to a file next to the database, not through the bench.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { instancePaths } from '../asterisk/local-asterisk.js';
import { repoRoot } from '../config/paths.js';
import { amiLogin, sideAsteriskConfig, sideEnv, type RunningSide, type SideEndpoints } from './load-side.js';

const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;


/** What scripts/start.sh passes node by default (test/scripts/start-script.test.ts holds the two together). */
export const START_NODE_FLAGS = '--max-semi-space-size=1';
export interface TollbridgeSideInput {
  endpoints: SideEndpoints;
  /** Holds the SQLite file, the app's data and its log. */
  dir: string;
  databaseFile: string;
  pinSecret: string;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function startTollbridgeSide(input: TollbridgeSideInput): Promise<RunningSide> {
  const cfg = sideAsteriskConfig(input.endpoints, { TOLLBRIDGE_DATA_DIR: input.dir });
  const logFile = path.join(input.dir, 'tollbridge.log');
  const logFd = fs.openSync(logFile, 'w');
  const { TOLLBRIDGE_SMTP_URL: _smtp, ...inherited } = process.env;
  // The node flags `npm start` runs the bridge with (scripts/start.sh), unless
  // TOLLBRIDGE_LOAD_APP_NODE_ARGS says otherwise (e.g. "--max-semi-space-size=1 --cpu-prof
  // --cpu-prof-dir=/tmp/prof" to profile the app; empty: node's defaults).
  const nodeArgs = (process.env.TOLLBRIDGE_LOAD_APP_NODE_ARGS ?? process.env.TOLLBRIDGE_NODE_FLAGS ?? START_NODE_FLAGS).split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, path.join(repoRoot(), 'dist/cli/main.js'), 'start', '--json', '--no-demo'], {
    env: {
      ...inherited,
      ...sideEnv(input.endpoints),
      TOLLBRIDGE_DATA_DIR: input.dir,
      TOLLBRIDGE_DB: `sqlite:${input.databaseFile}`,
      TOLLBRIDGE_PIN_SECRET: input.pinSecret,
      TOLLBRIDGE_API_PORT: '0',
      // The caps on calls still in the IVR are the defaults: a crowd on one number is what they must let in.
      // Nor PIN-guessing locks: a few keys garbled under load would lock the one room for every
      // later caller (ConfBridge's baseline has no such lock either).
      TOLLBRIDGE_PIN_MODERATOR_LOCK_AFTER: '1000',
      TOLLBRIDGE_PIN_PARTICIPANT_LOCK_AFTER: '1000',
      TOLLBRIDGE_PIN_CALLER_LOCK_AFTER: '1000',
      TOLLBRIDGE_LOG_LEVEL: process.env.TOLLBRIDGE_LOG_LEVEL ?? 'info',
    },
    cwd: input.dir,
    stdio: ['ignore', 'pipe', logFd],
  });
  fs.closeSync(logFd);
  let stdout = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT'); // drains (no calls left), stops its Asterisk, exits
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited(child);
      clearTimeout(timer);
    }
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tollbridge start gave no start document in ${START_TIMEOUT_MS} ms; log ${logFile}:\n${tail(logFile)}`)), START_TIMEOUT_MS);
      const onExit = () => {
        clearTimeout(timer);
        reject(new Error(`tollbridge start exited (${String(child.exitCode ?? child.signalCode)}); log ${logFile}:\n${tail(logFile)}`));
      };
      child.once('exit', onExit);
      child.stdout?.on('data', () => {
        try {
          JSON.parse(stdout);
        } catch {
          return; // not all of it yet
        }
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve();
      });
    });
    const pidFile = path.join(instancePaths(cfg).runDir, 'tollbridge.pid');
    const asteriskPid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    if (!Number.isInteger(asteriskPid) || asteriskPid <= 1) throw new Error(`no Asterisk PID in ${pidFile}`);
    if (child.pid === undefined) throw new Error('tollbridge start has no PID');
    return {
      name: 'tollbridge',
      sipPort: cfg.sipPort,
      ami: amiLogin(cfg),
      asteriskPid,
      appPid: child.pid,
      isConference: (bridge) => bridge.uniqueid.startsWith('tollbridge-live-'),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
