// The whole bridge under test: the shared test Asterisk, a fresh test database (SQLite, or
// PostgreSQL when TOLLBRIDGE_TEST_DB is set), and the app itself (BridgeApp), wired exactly as
// `tollbridge start` wires it. IVR timeouts are short so silence tests take seconds.
import type { Bridge } from 'ari-client';
import { pino } from 'pino';
import { BridgeApp } from '../../app/calls/bridge-app.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { databasePorts, holdRoomsInMemory, openJournaledLedger } from '../../app/calls/database-ports.js';
import type { JournaledLedger } from '../../journal/journaled-ledger.js';
import type { Database } from '../../db/index.js';
import type { PinLockPolicy } from '../../domain/pin-locks.js';
import type { ConferenceBridges } from '../../flows/ports.js';
import type { CallLimits, PinGuessingLimits } from '../../domain/limits.js';
import type { CallbackPolicy } from '../../domain/callback.js';
import type { ModeratorLeavePolicy } from '../../domain/rooms.js';
import { databasePinGuard } from '../../app/calls/pin-guard.js';
import { SpendCaps } from '../../app/calls/spend-caps.js';
import type { Mailer } from '../../app/accounts/mailer.js';
import type { RecordingControl } from '../../flows/recording-control.js';
import type { AsteriskConfig } from '../../config/config.js';
import type { LocalAsterisk } from '../../asterisk/local-asterisk.js';
import type { IvrTiming } from '../../ivr/timing.js';
import { holdBridgeId, liveBridgeId } from '../../bridge/room-bridge-ids.js';
import { holdMarkVariable } from '../../bridge/hold-marks.js';
import { sharedAsterisk, testAsteriskConfig } from './asterisk-fixture.js';
import { createTestDatabase } from './db-fixture.js';
import { waitFor } from './wait.js';
import { randomRoomNumber } from '../../domain/room-number.js';
import { CelLogFile } from '../../reconcile/cel-log.js';
import { reconcile } from '../../reconcile/reconcile.js';
import type { BridgeMetrics } from '../../metrics/bridge-metrics.js';

export const TEST_TIMING: IvrTiming = { firstDigitMs: 1500, interDigitMs: 1500, maxAttempts: 3, promptGuardMs: 15_000 };

export interface SeededRoom {
  accountId: number;
  roomNumber: string;
  /** The toll-free number, E.164 with '+', that reaches this account's rooms. */
  tollFree: string;
  moderatorPin: string;
  participantPin: string;
}

let seq = 0;

function channelsOf(bridge: Bridge | null): string[] {
  const channels = bridge?.channels ?? [];
  return typeof channels === 'string' ? [channels] : channels;
}

export class BridgeUnderTest {
  private constructor(
    readonly app: BridgeApp,
    readonly db: Database,
    /** The ledger's journal, as `tollbridge start` runs it (in a temporary directory). */
    readonly journal: JournaledLedger,
    readonly journalDir: string,
    /** Room numbers the next accounts get, in order (then random ones). */
    readonly nextRoomNumbers: string[],
    private readonly asterisk: { celLog: string; systemName: string },
    private readonly startedAt: number,
    /** Where the app puts finished conference recordings (TOLLBRIDGE_RECORDINGS_DIR). */
    readonly recordingsDir: string,
  ) {}

  /** Set by a test that damages the ledger on purpose: stop() then skips the reconciliation. */
  skipReconcile = false;

  /**
   * `options`: another Asterisk than the shared one (its config and running instance), ARI on
   * another port than Asterisk's (a cuttable proxy in fault tests), the app's limits, and a
   * wrapper around its bridge operations (fault injection).
   */
  static async start(
    timing: IvrTiming = TEST_TIMING,
    options: {
      asterisk?: { cfg: AsteriskConfig; running: LocalAsterisk };
      ariPort?: number;
      limits?: CallLimits;
      wrapBridges?: (b: ConferenceBridges) => ConferenceBridges;
      /** PIN guessing limits on the fixture's database, telling owners through `mailer`; with `guessing` (pause, IVR caps). */
      pinGuard?: { mailer: Mailer | null; guessing: PinGuessingLimits; lockPolicy?: PinLockPolicy };
      /** The rooms' recorder (keys and the live API start and stop it); default none. */
      recording?: RecordingControl;
      /** GET /metrics's registry, wired as `tollbridge start` wires it. */
      metrics?: BridgeMetrics;
      /** While it says true, the caller path's database reads fail as with the database down. */
      databaseDown?: () => boolean;
      /** How long a dropped caller's stay waits for a rejoin (default 2 minutes). */
      rejoinWindowMs?: number;
      /** Rooms' spend caps on the fixture's database, telling owners through `mailer`; `watchMs`: the watch's round. */
      spendCaps?: { mailer: Mailer | null; watchMs?: number };
      /** Callbacks through the test Asterisk's trunk (asterisk-fixture.ts TEST_CALLBACK_PORT); default none. */
      callbacks?: CallbackPolicy;
    } = {},
  ): Promise<BridgeUnderTest> {
    const asterisk = options.asterisk?.running ?? (await sharedAsterisk());
    const queue: string[] = [];
    const db = await createTestDatabase({
      proposeRoomNumber: () => queue.shift() ?? randomRoomNumber(),
      ...(options.pinGuard?.lockPolicy === undefined ? {} : { pinLockPolicy: options.pinGuard.lockPolicy }),
    });
    const log = pino({ level: process.env.TOLLBRIDGE_TEST_LOG ?? 'silent' });
    const base = options.asterisk?.cfg ?? testAsteriskConfig();
    const config = options.ariPort === undefined ? base : { ...base, ariPort: options.ariPort };
    const journalDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-journal-'));
    const recordingsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-recordings-'));
    const journal = await openJournaledLedger(db, journalDir, log);
    options.metrics?.ledger.watchJournal(journal);
    const ports = databasePorts(db);
    await holdRoomsInMemory(db, log);
    const down = options.databaseDown;
    const spendCaps = options.spendCaps === undefined ? undefined : new SpendCaps(db, options.spendCaps.mailer, log, options.spendCaps.watchMs === undefined ? {} : { watchMs: options.spendCaps.watchMs });
    const app = await BridgeApp.start({
      asterisk: config,
      directory: down === undefined ? ports.directory : databaseDownWhile(down, ports.directory),
      legRecovery: down === undefined ? ports.legRecovery : databaseDownWhile(down, ports.legRecovery),
      ledger: journal,
      log,
      timing,
      runningAsterisk: asterisk,
      recordingsDir,
      recordings: db.recordings,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.wrapBridges === undefined ? {} : { wrapBridges: options.wrapBridges }),
      ...(options.recording === undefined ? {} : { recording: options.recording }),
      ...(options.pinGuard === undefined ? {} : { pinGuard: databasePinGuard(db, options.pinGuard.mailer, log, options.metrics?.calls), guessing: options.pinGuard.guessing }),
      ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
      ...(options.rejoinWindowMs === undefined ? {} : { rejoinWindowMs: options.rejoinWindowMs }),
      ...(spendCaps === undefined ? {} : { spendCaps }),
      ...(options.callbacks === undefined ? {} : { callbacks: options.callbacks }),
    });
    return new BridgeUnderTest(app, db, journal, journalDir, queue, { celLog: asterisk.paths.celLog, systemName: config.systemName }, Date.now(), recordingsDir);
  }

  /**
   * Stops the app, then checks its ledger against Asterisk's own record (CEL), as `tollbridge
   * ledger reconcile` does: every leg of this run within 1 s of Asterisk, none missing on either
   * side. A difference fails the test file's `after` hook with the list.
   */
  async stop(): Promise<void> {
    await this.app.stop({ drainMs: 0 });
    await this.journal.close();
    try {
      if (!this.skipReconcile) await this.reconcileWithAsterisk();
    } finally {
      await this.db.close();
      fs.rmSync(this.journalDir, { recursive: true, force: true });
      fs.rmSync(this.recordingsDir, { recursive: true, force: true });
    }
  }

  private async reconcileWithAsterisk(): Promise<void> {
    const to = Date.now() + 1;
    const legs = (await this.db.ledger.legsAnsweredBetween(this.startedAt, to)).flatMap((l) =>
      l.channelId === null ? [] : [{ channelId: l.channelId, accountId: l.accountId, dialled: l.dialled, answeredAt: l.answeredAt, endedAt: l.endedAt, seconds: l.seconds }],
    );
    const scope = { from: this.startedAt, to, numbers: (await this.db.numbers.list()).map((n) => n.e164), systemName: this.asterisk.systemName };
    const cel = new CelLogFile(this.asterisk.celLog);
    const check = async () => reconcile(legs, (await cel.refresh()).all(), scope);
    // Asterisk writes a channel's last CEL lines just after it is gone: give them a moment.
    const report = await waitFor('the ledger to reconcile with Asterisk\'s CEL record', async () => {
      const r = await check();
      return r.differences.length === 0 ? r : null;
    }, { timeoutMs: 5_000 }).catch(check);
    if (report.differences.length > 0) {
      const lines = report.differences.map((d) => `${d.kind} ${d.channelId} ${JSON.stringify({ ledger: d.ledger, asterisk: d.asterisk })}`);
      throw new Error(`ledger and Asterisk's CEL record differ (${report.differences.length}):\n${lines.join('\n')}`);
    }
  }

  /** An account with a room (PINs set, a moderator-leave policy) and a subscribed toll-free number. */
  async seedRoom(options: { policy?: ModeratorLeavePolicy; moderatorPin?: string; participantPin?: string } = {}): Promise<SeededRoom> {
    seq++;
    const tag = `${process.pid}${seq}`.slice(-7).padStart(7, '0');
    const { account, room } = await this.db.accounts.create({ name: `Test ${tag}`, email: `owner${tag}-${Date.now()}@example.test` });
    const moderatorPin = options.moderatorPin ?? '4826';
    const participantPin = options.participantPin ?? '1739';
    await this.db.rooms.setPins(room.number, { moderator: moderatorPin, participant: participantPin });
    await this.db.rooms.updateSettings(room.number, { onModeratorLeave: options.policy ?? 'continue' });
    const tollFree = `+1800${tag}`;
    await this.db.numbers.add(tollFree, 'toll_free');
    await this.db.numbers.subscribe(tollFree, account.id);
    return { accountId: account.id, roomNumber: room.number, tollFree, moderatorPin, participantPin };
  }

  async bridge(id: string): Promise<Bridge | null> {
    try {
      return await this.app.ari.client.bridges.get({ bridgeId: id });
    } catch {
      return null;
    }
  }

  /**
   * Channel ids in the room's conference, as Asterisk reports them: its live (mixing) bridge,
   * unless the room is marked waiting (TOLLBRIDGE_HOLD_<room>): then its callers stand there on
   * hold for the moderator.
   */
  async liveMembers(room: string): Promise<string[]> {
    if (await this.waitingInLive(room)) return [];
    return channelsOf(await this.bridge(liveBridgeId(room)));
  }

  /** Channel ids waiting for the moderator: in the live bridge of a room marked waiting, or in a holding bridge. */
  async holdMembers(room: string): Promise<string[]> {
    const held = channelsOf(await this.bridge(holdBridgeId(room)));
    if (await this.waitingInLive(room)) held.push(...channelsOf(await this.bridge(liveBridgeId(room))));
    return held;
  }

  private async waitingInLive(room: string): Promise<boolean> {
    const { value } = await this.app.ari.client.asterisk.getGlobalVar({ variable: holdMarkVariable(room) }).catch(() => ({ value: '' }));
    return value === '1';
  }

  async waitForLive(room: string, count: number, timeoutMs = 15_000): Promise<string[]> {
    return waitFor(`${count} channels live in room ${room}`, async () => {
      const members = await this.liveMembers(room);
      return members.length === count ? members : null;
    }, { timeoutMs });
  }

  async waitForHold(room: string, count: number, timeoutMs = 15_000): Promise<string[]> {
    return waitFor(`${count} channels on hold in room ${room}`, async () => {
      const members = await this.holdMembers(room);
      return members.length === count ? members : null;
    }, { timeoutMs });
  }

  /** After a test: Asterisk holds no channels or bridges, no call machine runs, the journal is applied. */
  async waitForNothingLeft(timeoutMs = 15_000): Promise<void> {
    let left = '';
    await waitFor('no channels, bridges or calls left', async () => {
      const [channels, bridges] = await Promise.all([this.app.ari.client.channels.list(), this.app.ari.client.bridges.list()]);
      // What is left goes into the failure, so a red run says which channel or bridge stayed.
      left = JSON.stringify({
        channels: channels.map((c) => `${c.id} ${c.state} ${c.dialplan.exten}`),
        bridges: bridges.map((b) => `${b.id} [${String(b.channels)}]`),
        activeCalls: this.app.router.activeCalls,
        journalBacklog: this.journal.backlog(),
      });
      return channels.length === 0 && bridges.length === 0 && this.app.router.activeCalls === 0 && this.journal.backlog() === 0;
    }, { timeoutMs }).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}; left: ${left}`);
    });
  }
}

/** `port` with every method failing, as with the database unreachable, while `down()` says so. */
function databaseDownWhile<T extends object>(down: () => boolean, port: T): T {
  return new Proxy(port, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        if (down()) return Promise.reject(new Error('connect ECONNREFUSED (the test took the database down)'));
        return Reflect.apply(value, target, args);
      };
    },
  });
}
