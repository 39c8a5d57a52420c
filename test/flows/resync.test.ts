// The resync as app/calls/resync.ts carries it out, with fakes for Asterisk's snapshot, the
// database and the ledger: a database that fails is not "room not found"; the event gate and
// the resync runner never hold events for ever; the journal's replay and the resync agree on
// which legs are open, whichever runs first.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { EventGate } from '../../app/calls/event-gate.js';
import { resync, type ResyncDeps } from '../../app/calls/resync.js';
import { ResyncRunner } from '../../app/calls/resync-runner.js';
import type { CallEvent } from '../../domain/call-events.js';
import type { AsteriskSnapshot } from '../../bridge/ari-snapshot.js';
import { CallRouter } from '../../flows/call-router.js';
import type { CallMark, LegRecovery, RoomInfo, UsageLedger } from '../../flows/ports.js';
import type { LegEndReason, LegOpening, OpenLeg } from '../../domain/legs.js';
import type { Role } from '../../domain/roles.js';
import { RoomRegistry } from '../../flows/room-registry.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { JournaledLedger } from '../../journal/journaled-ledger.js';
import { FakeBridges, FakeChannel, FakeDirectory, FakeLedger, flush, roomInfo, silentLog } from '../support/fakes.js';
import { waitFor } from '../support/wait.js';

const ROOM = '11331134';
/** This Asterisk's systemname: a resync closes only legs of its channels (`<systemname>-<epoch>.<seq>`). */
const SYSTEM = 'test';
const GONE = 'test-1796000000.1';
const ENDED = 'test-1796000000.2';
const LIVE = 'test-1796000000.3';
const ANSWERED = 1_000_000;
const mark = (m: Partial<CallMark> & Pick<CallMark, 'step'>): CallMark => ({ dialled: '+18005550100', answeredAt: ANSWERED, accountId: 7, ...m } as CallMark);

/** A database that can be down: its lookups then fail with a connection error. */
class FlakyDirectory extends FakeDirectory {
  down = false;
  override async findRoom(roomNumber: string): Promise<RoomInfo | null> {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    return super.findRoom(roomNumber);
  }
}

function resyncSetup(snapshot: AsteriskSnapshot, opts: { legRecovery?: LegRecovery; ledger?: UsageLedger } = {}) {
  const channel = new FakeChannel();
  const directory = new FlakyDirectory();
  directory.rooms.set(ROOM, roomInfo({ number: ROOM }));
  const ledger = opts.ledger ?? new FakeLedger();
  const bridges = new FakeBridges();
  const rooms = new RoomRegistry(bridges, silentLog);
  const router = new CallRouter({ channel, directory, ledger, rooms, clock: { now: () => 2_000_000 }, timing: DEFAULT_IVR_TIMING, log: silentLog });
  const deps: ResyncDeps = {
    readAsterisk: async () => snapshot,
    router,
    rooms,
    conference: { knowOnly: () => undefined },
    subscriptions: { adopt: async () => undefined },
    directory,
    ledger,
    systemName: SYSTEM,
    legRecovery: opts.legRecovery,
    callRecords: { endOf: async () => null },
    log: silentLog,
  };
  return { channel, directory, rooms, router, deps };
}

describe('the resync with the database down (fakes)', () => {
  const inConference: AsteriskSnapshot = {
    channels: [
      { id: 'm', state: 'Up', dialled: '18005550100', callerNumber: null, mark: mark({ step: 'inRoom', room: ROOM, role: 'moderator' }) },
      { id: 'p', state: 'Up', dialled: '18005550100', callerNumber: null, mark: mark({ step: 'inRoom', room: ROOM, role: 'participant' }) },
    ],
    bridges: [{ id: `tollbridge-live-${ROOM}`, room: ROOM, kind: 'live', channels: ['m', 'p'] }],
  };

  it('a database error looking up a room is no "room not found": nobody is asked for the room again; once the database is back the room and its callers are rebuilt where they stand', async () => {
    const t = resyncSetup(inConference);
    t.directory.down = true;
    let failed: unknown = null;
    await resync(t.deps, new Map(), 0).catch((err: unknown) => (failed = err));
    await flush();
    expect(failed, 'the resync fails (and is tried again)').to.be.instanceOf(Error);
    expect(t.channel.ops, 'callers in the conference hear nothing').to.deep.equal([]);
    expect(t.router.activeCalls).to.equal(0);
    expect(t.rooms.activeRooms).to.equal(0);

    t.directory.down = false;
    await resync(t.deps, new Map(), 0);
    await flush();
    expect(t.channel.ops).to.deep.equal([]);
    expect(t.router.activeCalls).to.equal(2);
    expect(t.rooms.snapshot(ROOM)).to.deep.include({ state: 'live', moderators: ['m'], live: ['p'] });
  });
});

describe('the event gate and the resync runner never hold events for ever', () => {
  const dtmf = (channelId: string): CallEvent => ({ type: 'call.dtmf', channelId, digit: '1', at: 1 });
  const idOf = (e: CallEvent) => ('channelId' in e ? e.channelId : e.bridgeId);

  it('a gate held past its limit lets its events through and logs why', async () => {
    const seen: string[] = [];
    const logged: string[] = [];
    const log = pino({ level: 'error' }, { write: (line: string) => void logged.push(line) });
    const gate = new EventGate((e) => seen.push(idOf(e)), { limitMs: 20, log });
    gate.hold();
    gate.push(dtmf('a'));
    await waitFor('the held event let through', () => seen.length === 1, { timeoutMs: 5_000, intervalMs: 5 });
    expect(logged.join('')).to.include('events held past the limit');
    gate.push(dtmf('b'));
    expect(seen).to.deep.equal(['a', 'b']);
  });

  it('a resync that fails lets events through between its attempts, and is tried again until it succeeds', async () => {
    const seen: string[] = [];
    const gate = new EventGate((e) => seen.push(idOf(e)));
    let failures = 2;
    let attempts = 0;
    let release: () => void = () => undefined;
    const runner = new ResyncRunner({
      gate,
      attempt: async () => {
        attempts++;
        if (failures-- > 0) throw new Error('database down');
        await new Promise<void>((r) => (release = r));
      },
      log: silentLog,
      retryMs: 1,
      stopping: () => false,
    });
    const run = runner.run(0);
    gate.push(dtmf('during the first attempt'));
    await run.firstAttempt;
    expect(seen).to.deep.equal(['during the first attempt']);
    await waitFor('the third attempt', () => attempts === 3, { timeoutMs: 5_000, intervalMs: 1 });
    gate.push(dtmf('during the third'));
    expect(seen).to.have.length(1);
    release();
    await run.done;
    expect(seen).to.deep.equal(['during the first attempt', 'during the third']);
  });
});

/** An in-memory database ledger with the real one's idempotence; it can hold every write back. */
class MemoryLegs implements UsageLedger, LegRecovery {
  readonly legs = new Map<string, OpenLeg & { endedAt: number | null }>();
  readonly closes: string[] = [];
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => undefined;
  holdWrites(): void {
    this.gate = new Promise((r) => (this.open = r));
  }
  releaseWrites(): void {
    this.open();
  }
  async openLeg(leg: LegOpening): Promise<void> {
    await this.gate;
    if (!this.legs.has(leg.channelId)) this.legs.set(leg.channelId, { ...leg, role: null, endedAt: null });
  }
  async assign(channelId: string, a: { roomId: number; role: Role }): Promise<void> {
    await this.gate;
    const leg = this.legs.get(channelId);
    if (leg !== undefined && leg.endedAt === null) leg.role = a.role;
  }
  async closeLeg(channelId: string, endedAt: number, _reason?: LegEndReason): Promise<void> {
    await this.gate;
    const leg = this.legs.get(channelId);
    if (leg === undefined || leg.endedAt !== null) return;
    leg.endedAt = endedAt;
    this.closes.push(`${channelId} ${endedAt}`);
  }
  async openLegs(): Promise<OpenLeg[]> {
    return [...this.legs.values()].filter((l) => l.endedAt === null).map(({ endedAt: _e, ...leg }) => leg);
  }
}

describe('journal replay and the start-up resync (a journal on disk, an in-memory database)', () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const opening = (channelId: string): LegOpening => ({ channelId, accountId: 7, subscriptionId: 9, numberId: 3, dialled: '+18005550100', callerNumber: null, answeredAt: ANSWERED });

  /** A journal an earlier run left (it crashed before the database took these records). */
  async function leftJournal(write: (ledger: JournaledLedger) => Promise<void>): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-resync-journal-'));
    dirs.push(dir);
    const down = new MemoryLegs();
    down.holdWrites();
    const earlier = await JournaledLedger.open({ dir, target: down, log: silentLog });
    await write(earlier);
    await earlier.close(0);
    return dir;
  }

  it('a leg the replay has yet to open, whose channel is gone, is closed once by the resync, after its opening', async () => {
    const dir = await leftJournal((l) => l.openLeg(opening(GONE)));
    const db = new MemoryLegs();
    db.holdWrites(); // the replay has not reached the database when the resync reads the open legs
    const ledger = await JournaledLedger.open({ dir, target: db, log: silentLog });
    const t = resyncSetup({ channels: [], bridges: [] }, { legRecovery: ledger.recovery(db), ledger });
    const summary = await resync(t.deps, new Map(), ANSWERED + 42_000);
    expect(summary.orphanLegs).to.equal(1);
    db.releaseWrites();
    expect(await ledger.drained(5_000)).to.equal(true);
    expect(db.closes).to.deep.equal([`${GONE} ${ANSWERED + 42_000}`]);
    expect(await db.openLegs()).to.deep.equal([]);
    await ledger.close(0);
  });

  it('a leg the replay is about to close keeps the end it was closed with: the resync does not close it again', async () => {
    const dir = await leftJournal(async (l) => {
      await l.openLeg(opening(ENDED));
      await l.closeLeg(ENDED, ANSWERED + 7_000, 'hangup');
    });
    const db = new MemoryLegs();
    // The opening reached the database before the crash, the close did not.
    db.legs.set(ENDED, { ...opening(ENDED), role: null, endedAt: null });
    db.holdWrites();
    const ledger = await JournaledLedger.open({ dir, target: db, log: silentLog });
    const t = resyncSetup({ channels: [], bridges: [] }, { legRecovery: ledger.recovery(db), ledger });
    const summary = await resync(t.deps, new Map(), ANSWERED + 99_000);
    expect(summary).to.include({ orphanLegs: 0, approximateEnds: 0 });
    db.releaseWrites();
    expect(await ledger.drained(5_000)).to.equal(true);
    expect(db.closes).to.deep.equal([`${ENDED} ${ANSWERED + 7_000}`]);
    await ledger.close(0);
  });

  it('a live caller whose leg the replay has yet to open is resumed with it, not started as a new call', async () => {
    const dir = await leftJournal((l) => l.openLeg(opening(LIVE)));
    const db = new MemoryLegs();
    db.holdWrites();
    const ledger = await JournaledLedger.open({ dir, target: db, log: silentLog });
    const t = resyncSetup({ channels: [{ id: LIVE, state: 'Up', dialled: '18005550100', callerNumber: null, mark: null }], bridges: [] }, { legRecovery: ledger.recovery(db), ledger });
    const summary = await resync(t.deps, new Map(), 0);
    await flush();
    expect(summary).to.include({ resumed: 1, fresh: 0 });
    expect(t.channel.ops.filter((o) => o.startsWith('answer'))).to.deep.equal([]);
    db.releaseWrites();
    await ledger.close(0);
  });
});
