// `tollbridge start` as a spawned process with its own Asterisk instance, ports and data
// directory, for fault tests that kill it. Ports come from TOLLBRIDGE_FAULT_* (defaults that do
// not collide in CI with the shared test instance or start-process.test.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Bridge, Client } from 'ari-client';
import { pino } from 'pino';
import { instancePaths } from '../../asterisk/local-asterisk.js';
import { connectAri } from '../../bridge/ari-session.js';
import { holdBridgeId, liveBridgeId } from '../../bridge/room-bridge-ids.js';
import { holdMarkVariable } from '../../bridge/hold-marks.js';
import { roomMarkVariable } from '../../bridge/room-marks.js';
import { databaseOptions } from '../../cli/open-db.js';
import { loadConfig, type Config } from '../../config/config.js';
import { repoRoot } from '../../config/paths.js';
import { openDatabase, type Database } from '../../db/index.js';
import type { ModeratorLeavePolicy } from '../../domain/rooms.js';
import { waitFor } from './wait.js';

export interface SpawnedRoom {
  accountId: number;
  roomNumber: string;
  tollFree: string;
  moderatorPin: string;
  participantPin: string;
}

/** An Asterisk instance's name, ports and app for a test, each movable by `TOLLBRIDGE_<prefix>_*`. */
export function instanceEnv(prefix: string, d: { instance: string; sip: string; ari: string; ami: string; rtpStart: string; rtpEnd: string; app: string }): NodeJS.ProcessEnv {
  const e = process.env;
  return {
    TOLLBRIDGE_ASTERISK_INSTANCE: e[`TOLLBRIDGE_${prefix}_INSTANCE`] ?? d.instance,
    TOLLBRIDGE_SIP_PORT: e[`TOLLBRIDGE_${prefix}_SIP_PORT`] ?? d.sip,
    TOLLBRIDGE_ARI_PORT: e[`TOLLBRIDGE_${prefix}_ARI_PORT`] ?? d.ari,
    TOLLBRIDGE_AMI_PORT: e[`TOLLBRIDGE_${prefix}_AMI_PORT`] ?? d.ami,
    TOLLBRIDGE_RTP_START: e[`TOLLBRIDGE_${prefix}_RTP_START`] ?? d.rtpStart,
    TOLLBRIDGE_RTP_END: e[`TOLLBRIDGE_${prefix}_RTP_END`] ?? d.rtpEnd,
    TOLLBRIDGE_ARI_APP: e[`TOLLBRIDGE_${prefix}_ARI_APP`] ?? d.app,
  };
}

const PARTICIPANT_PIN = '2480';

export function faultEnv(dir: string): NodeJS.ProcessEnv {
  const { TOLLBRIDGE_SMTP_URL: _smtp, TOLLBRIDGE_DB: _db, ...rest } = process.env;
  const e = process.env;
  return {
    ...rest,
    TOLLBRIDGE_DATA_DIR: dir,
    TOLLBRIDGE_DB: `sqlite:${path.join(dir, 'fault.sqlite')}`,
    ...instanceEnv('FAULT', { instance: 'faulttest', sip: '16160', ari: '18288', ami: '16138', rtpStart: '38000', rtpEnd: '40999', app: 'tollbridge-fault' }),
    TOLLBRIDGE_API_PORT: '0',
    TOLLBRIDGE_LOG_LEVEL: e.TOLLBRIDGE_TEST_LOG ?? 'info',
    // Many callers share SIPp's one caller id: no caps on calls still in the IVR here.
    TOLLBRIDGE_MAX_IVR_CALLS_PER_NUMBER: '0',
    TOLLBRIDGE_MAX_IVR_CALLS_PER_CALLER: '0',
  };
}

export class SpawnedBridge {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-fault-'));
  readonly env: NodeJS.ProcessEnv;
  readonly config: Config;
  private child: ChildProcess | undefined;
  /** Everything every app process wrote on stderr (its pino log), for failure messages. */
  log = '';
  private seq = 0;
  private ariClient: Promise<Client> | undefined;

  /** `overrides`: settings of faultEnv to change (a second bridge's instance, ports, database). */
  constructor(overrides: NodeJS.ProcessEnv = {}) {
    this.env = { ...faultEnv(this.dir), ...overrides };
    this.config = loadConfig(this.env);
  }

  /** Seeds an account with a room and a subscribed toll-free number (before or while the app runs). */
  async seedRoom(policy: ModeratorLeavePolicy): Promise<SpawnedRoom> {
    return this.withDb(async (db) => {
      this.seq++;
      const { account, room } = await db.accounts.create({ name: `Fault ${this.seq}`, email: `fault${this.seq}@example.test` });
      // The participant PIN's digits are no participant's in-call keys (2, 4, 6, 8 and 0 do nothing
      // for them): a caller who sends the PIN again once in the room changes nothing.
      await db.rooms.setPins(room.number, { moderator: '4826', participant: PARTICIPANT_PIN });
      await db.rooms.updateSettings(room.number, { onModeratorLeave: policy });
      const tollFree = `+1800777${String(this.seq).padStart(4, '0')}`;
      await db.numbers.add(tollFree, 'toll_free');
      await db.numbers.subscribe(tollFree, account.id);
      return { accountId: account.id, roomNumber: room.number, tollFree, moderatorPin: '4826', participantPin: PARTICIPANT_PIN };
    });
  }

  async withDb<T>(use: (db: Database) => Promise<T>): Promise<T> {
    const db = await openDatabase(this.config.database, databaseOptions(this.config));
    try {
      return await use(db);
    } finally {
      await db.close();
    }
  }

  /** Spawns `tollbridge start` and resolves once it printed its start document (it has resynchronised by then). */
  async start(): Promise<void> {
    const child = spawn(process.execPath, [path.join(repoRoot(), 'dist/cli/main.js'), 'start', '--json', '--no-demo'], { env: this.env, cwd: this.dir });
    this.child = child;
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.log += d.toString()));
    await waitFor('the start document on stdout', () => {
      if (child.exitCode !== null) throw new Error(`start exited ${child.exitCode}: ${this.log.slice(-3000)}`);
      try {
        return JSON.parse(stdout) as unknown;
      } catch {
        return null;
      }
    }, { timeoutMs: 120_000, intervalMs: 100 });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async kill9(): Promise<void> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGUSR2: hands the calls over to the next start (Asterisk keeps running); resolves with the exit code. */
  async handOver(): Promise<number | null> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGUSR2');
    return exited;
  }

  /** SIGINT, as Ctrl-C: drains, stops Asterisk, exits. */
  async stop(): Promise<number | null> {
    const child = this.child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    return exited;
  }

  asteriskPid(): number | null {
    try {
      return Number(fs.readFileSync(path.join(instancePaths(this.config.asterisk).runDir, 'tollbridge.pid'), 'utf8'));
    } catch {
      return null;
    }
  }

  /** REST only (no websocket): the same client keeps working across an Asterisk restart. */
  private ari(): Promise<Client> {
    const cfg = this.config.asterisk;
    this.ariClient ??= connectAri(`http://127.0.0.1:${cfg.ariPort}`, cfg.ariUser, cfg.ariPassword, pino({ level: 'silent' }));
    return this.ariClient;
  }

  /** The call mark (TOLLBRIDGE_CALL) on the channel of a caller number, as Asterisk holds it. */
  async markOf(callerNumber: string): Promise<string | null> {
    const channels = (await (await this.ari()).channels.list()) as unknown as Array<{ caller: { number: string }; channelvars?: Record<string, string> }>;
    return channels.find((c) => c.caller.number === callerNumber)?.channelvars?.TOLLBRIDGE_CALL ?? null;
  }

  /** The channel id of a caller number's call, as Asterisk holds it (null when it has none). */
  async channelOf(callerNumber: string): Promise<string | null> {
    const channels = (await (await this.ari()).channels.list()) as unknown as Array<{ id: string; caller: { number: string } }>;
    return channels.find((c) => c.caller.number === callerNumber)?.id ?? null;
  }

  /** The app's log lines from `offset` on that are warnings or worse or name one of `words`, for a failure message. */
  logLinesSince(offset: number, words: string[]): string {
    return this.log
      .slice(offset)
      .split('\n')
      .filter((line) => /"level":[4-6]\d/.test(line) || words.some((w) => line.includes(w)))
      .map((line) => line.slice(0, 400))
      .slice(-40)
      .join('\n');
  }

  /** A room's lock and mute-all mark (TOLLBRIDGE_ROOM_<room>), as Asterisk holds it. */
  async roomMarkOf(room: string): Promise<string> {
    return (await (await this.ari()).asterisk.getGlobalVar({ variable: roomMarkVariable(room) })).value;
  }

  /**
   * Channel ids in a room's conference or on hold, read through a connection of the test's own:
   * callers waiting for the moderator stand in the live bridge of a room marked waiting
   * (TOLLBRIDGE_HOLD_<room>), or in a holding bridge.
   */
  async members(room: string, kind: 'live' | 'hold'): Promise<string[]> {
    const client = await this.ari();
    const { value } = await client.asterisk.getGlobalVar({ variable: holdMarkVariable(room) }).catch(() => ({ value: '' }));
    const waiting = value === '1';
    const read = async (bridgeId: string): Promise<string[]> => {
      let bridge: Bridge;
      try {
        bridge = await client.bridges.get({ bridgeId });
      } catch {
        return [];
      }
      const channels = bridge.channels ?? [];
      return typeof channels === 'string' ? [channels] : channels;
    };
    const live = await read(liveBridgeId(room));
    const members = kind === 'live' ? (waiting ? [] : live) : [...(await read(holdBridgeId(room))), ...(waiting ? live : [])];
    return members.slice().sort();
  }

  async waitForMembers(room: string, kind: 'live' | 'hold', count: number, timeoutMs = 60_000): Promise<string[]> {
    return waitFor(`${count} channels ${kind} in room ${room}`, async () => {
      const m = await this.members(room, kind);
      return m.length === count ? m : null;
    }, { timeoutMs, intervalMs: 250 });
  }

  /** Last resort after a test: no Asterisk of this instance left running. */
  /** A fault file's end: its calls hung up, the app stopped, its Asterisk killed, the log shown on TOLLBRIDGE_KEEP_FAULT_LOG. */
  async tearDown(calls: Array<{ hangUpNow(): Promise<unknown> }>): Promise<void> {
    for (const c of calls) void c.hangUpNow().catch(() => undefined);
    await this.stop();
    this.killAsterisk();
    if (process.env.TOLLBRIDGE_KEEP_FAULT_LOG !== undefined) console.log(this.log);
  }

  killAsterisk(): void {
    const pid = this.asteriskPid();
    if (pid !== null && processAlive(pid)) process.kill(pid, 'SIGKILL');
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
