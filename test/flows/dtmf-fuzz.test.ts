// DTMF fuzzing of the call machine (fake ARI, fake database, an in-memory guessing guard):
// hundreds of seeded random callers press random and malformed keys ('*', '#', runs too long),
// go silent past the timeouts, hang up mid-entry or let prompts end, in any order. Whatever
// they do: no machine fails, every call reaches its end, every leg opened is closed, every
// caller admitted to a room leaves it, and the places for calls still in the IVR all come back.
import { seededRandom } from '../support/seeded-random.js';
import { expect } from 'chai';
import { SimulatedClock } from 'xstate';
import { CallRouter } from '../../flows/call-router.js';
import type { CallOutcome } from '../../flows/call-machine.js';
import type { PinAttempt, PinGuard, PinGuardStatus, RoomInfo } from '../../flows/ports.js';
import type { Role } from '../../domain/roles.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { FakeChannel, FakeDirectory, FakeLedger, flush, roomInfo, silentLog } from '../support/fakes.js';

const SEED = Number(process.env.TOLLBRIDGE_FUZZ_SEED ?? 20261202);
const CALLS = 400;
const TOLL_FREE = '+18005550100';
const ROOM = '11331134';


/** Locks a room's kinds after 4 failures and a caller after 3, in memory. */
class MemoryGuard implements PinGuard {
  private readonly room = new Map<string, number>();
  private readonly caller = new Map<string, number>();
  private view(a: PinAttempt): PinGuardStatus {
    const r = this.room.get(String(a.room.id)) ?? 0;
    const c = this.caller.get(a.callerNumber ?? '') ?? 0;
    return { locked: { moderator: r >= 4, participant: r >= 4 }, callerLocked: c >= 3, failures: Math.max(r, c) };
  }
  async status(a: PinAttempt): Promise<PinGuardStatus> {
    return this.view(a);
  }
  async recordFailure(a: PinAttempt & { kinds: Role[] }): Promise<PinGuardStatus> {
    this.room.set(String(a.room.id), (this.room.get(String(a.room.id)) ?? 0) + 1);
    this.caller.set(a.callerNumber ?? '', (this.caller.get(a.callerNumber ?? '') ?? 0) + 1);
    return this.view(a);
  }
  reset(): void {
    this.room.clear();
    this.caller.clear();
  }
}

const KEYS = '0123456789*#';

describe(`DTMF fuzz: ${CALLS} random callers against the call machine (seed ${SEED})`, function () {
  this.timeout(60_000);

  it('no crash, no stuck call, every leg closed, every room join left, every IVR place given back', async () => {
    const rnd = seededRandom(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const channel = new FakeChannel();
    const directory = new FakeDirectory();
    const ledger = new FakeLedger();
    const guard = new MemoryGuard();
    const timers = new SimulatedClock();
    let now = 1_000_000;
    const outcomes = new Map<string, CallOutcome>();
    const failures: string[] = [];
    const inRoom = new Set<string>();
    let joins = 0;
    directory.routes.set(TOLL_FREE, { numberId: 3, e164: TOLL_FREE, kind: 'toll_free', accountId: 7, subscriptionId: 9 });
    directory.rooms.set(ROOM, roomInfo({ number: ROOM }));
    directory.pins.set(1, { moderator: '4826', participant: '1739' });
    const router = new CallRouter(
      {
        channel, directory, ledger,
        rooms: {
          join: (_room: RoomInfo, channelId: string) => (joins++, inRoom.add(channelId)),
          leave: (_room: string, channelId: string) => inRoom.delete(channelId),
          replace: () => undefined,
          admitted: () => true,
        },
        clock: { now: () => now },
        timing: DEFAULT_IVR_TIMING,
        log: silentLog,
        pinGuard: guard,
        guessing: { pauseMs: 1_000, maxPauseMs: 8_000, maxUnauthenticatedPerNumber: 6, maxUnauthenticatedPerCaller: 3 },
      },
      { timers, onFinished: (id, outcome) => outcomes.set(id, outcome) },
    );
    const advance = async (ms: number) => {
      now += ms;
      timers.increment(ms);
      await flush();
    };
    // The edge answers our hang-ups with the channel's end, as Asterisk does.
    const ended = new Set<string>();
    const answerHangups = (ids: string[]) => {
      for (const id of ids) {
        if (ended.has(id) || !channel.ops.some((o) => o.startsWith(`hangup ${id} `) || o === `hangup ${id}` || o.startsWith(`reject ${id} `))) continue;
        ended.add(id);
        router.callEnded(id, now);
      }
    };
    const valid = [`${ROOM}#`, '4826#', '1739#'];
    const entry = (): string => {
      const r = rnd();
      if (r < 0.3) return pick(valid);
      if (r < 0.4) return `${String(Math.floor(rnd() * 10_000)).padStart(4, '0')}#`;
      if (r < 0.5) return Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => pick(KEYS.split(''))).join('');
      if (r < 0.6) return '*#';
      if (r < 0.7) return '#';
      if (r < 0.8) return '1'.repeat(9 + Math.floor(rnd() * 5)) + '#';
      return String(Math.floor(rnd() * 100_000_000)).padStart(8, '0') + '#';
    };

    const started: string[] = [];
    for (let wave = 0; wave < CALLS / 10; wave++) {
      if (wave % 8 === 0) guard.reset(); // a new "day": locks lifted
      const ids = Array.from({ length: 10 }, (_, i) => `f-${wave}-${i}`);
      for (const id of ids) {
        started.push(id);
        router.callStarted({ channelId: id, dialled: pick(['18005550100', '18005550100', '18009999999']), callerNumber: pick(['+15550001', '+15550002', null, '+15550003']) });
      }
      await flush();
      // Random steps: keys, silence past timeouts, prompts ending, hang-ups mid-entry.
      for (let step = 0; step < 40; step++) {
        const id = pick(ids);
        const r = rnd();
        if (r < 0.55) for (const k of entry()) router.digit(id, k);
        else if (r < 0.7) channel.finishPrompts();
        else if (r < 0.85) await advance(Math.floor(rnd() * 9_000));
        else if (r < 0.9) router.callEnded(id, now);
        else router.digit(id, pick(KEYS.split('')));
        await flush();
        answerHangups(ids);
      }
      // Then everyone still there hangs up (a caller in a room stays until hanging up).
      for (const id of ids) if (!outcomes.has(id)) router.callEnded(id, now);
      for (let i = 0; i < 20 && ids.some((id) => !outcomes.has(id)); i++) {
        channel.finishPrompts();
        await advance(6_000);
        answerHangups(ids);
      }
      const stuck = ids.filter((id) => !outcomes.has(id));
      if (stuck.length > 0) failures.push(`wave ${wave}: stuck ${stuck.join(',')}`);
    }

    expect(failures).to.deep.equal([]);
    expect(router.activeCalls, 'calls still running').to.equal(0);
    expect(started.filter((id) => !outcomes.has(id))).to.deep.equal([]);
    expect([...outcomes.values()].filter((o) => o === 'error')).to.deep.equal([]);
    const opened = ledger.opened.map((l) => l.channelId).sort();
    const closed = ledger.closed.map((l) => l.channelId).sort();
    expect(closed, 'every opened leg closed, once').to.deep.equal(opened);
    expect([...inRoom], 'every caller admitted left the room').to.deep.equal([]);
    // Every IVR place came back: a full set of new callers from one number are all let in (none refused busy).
    const kinds = new Set(outcomes.values());
    for (const k of ['joined', 'failed-pin', 'failed-room', 'rejected', 'abandoned', 'locked-out', 'busy'] as const) expect(kinds.has(k), `some call ended ${k}`).to.equal(true);
    for (let i = 0; i < 3; i++) router.callStarted({ channelId: `after-${i}`, dialled: '18005550100', callerNumber: '+15550001' });
    await flush();
    expect(channel.ops.filter((o) => o.startsWith('reject after-'))).to.deep.equal([]);
    expect(joins).to.be.greaterThan(0);
  });
});
