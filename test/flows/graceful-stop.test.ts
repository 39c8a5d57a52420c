// A graceful stop, seen by the call machines (fake ARI, fake database): new calls are refused
// before answer with 'unavailable' (SIP 503 over ARI), and when the drain limit passes the
// calls still up hear goodbye, are hung up by us, and their legs close at the real end.
import { expect } from 'chai';
import { SimulatedClock } from 'xstate';
import { CallRouter } from '../../flows/call-router.js';
import { STOP_END_GUARD_MS, STOP_PROMPT_GUARD_MS, type CallOutcome } from '../../flows/call-machine.js';
import type { RoomInfo } from '../../flows/ports.js';
import type { NumberRoute } from '../../domain/numbers.js';
import type { Role } from '../../domain/roles.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { FakeChannel, FakeDirectory, FakeLedger, flush, roomInfo, silentLog } from '../support/fakes.js';

const TOLL_FREE = '+18005550100';
const ROOM = '11331134';

/** A directory whose number lookup waits until released: a stop can begin meanwhile. */
class SlowDirectory extends FakeDirectory {
  private release: () => void = () => undefined;
  held = false;
  override async routeFor(e164: string): Promise<NumberRoute | null> {
    if (this.held) await new Promise<void>((r) => (this.release = r));
    return super.routeFor(e164);
  }
  letGo(): void {
    this.release();
  }
}

function setup() {
  const channel = new FakeChannel();
  const directory = new SlowDirectory();
  const ledger = new FakeLedger();
  const joins: string[] = [];
  const leaves: string[] = [];
  const timers = new SimulatedClock();
  let now = 1_000_000;
  const outcomes = new Map<string, CallOutcome>();
  directory.routes.set(TOLL_FREE, { numberId: 3, e164: TOLL_FREE, kind: 'toll_free', accountId: 7, subscriptionId: 9 });
  directory.rooms.set(ROOM, roomInfo({ number: ROOM }));
  directory.pins.set(1, { moderator: '4321', participant: '1111' });
  const router = new CallRouter(
    {
      channel,
      directory,
      ledger,
      rooms: {
        join: (_room: RoomInfo, channelId: string, _role: Role) => joins.push(channelId),
        leave: (_room: string, channelId: string) => leaves.push(channelId),
        replace: () => undefined,
        admitted: () => true,
      },
      clock: { now: () => now },
      timing: DEFAULT_IVR_TIMING,
      log: silentLog,
    },
    { timers, onFinished: (id, outcome) => outcomes.set(id, outcome) },
  );
  const dial = async (channelId: string) => {
    router.callStarted({ channelId, dialled: '18005550100', callerNumber: '+15551230000' });
    await flush();
  };
  const press = async (channelId: string, keys: string) => {
    for (const k of keys) router.digit(channelId, k);
    await flush();
  };
  const advance = async (ms: number) => {
    now += ms;
    timers.increment(ms);
    await flush();
  };
  return { channel, directory, ledger, joins, leaves, router, dial, press, advance, outcomes, now: () => now };
}

describe('graceful stop (call machines, fake ARI and database)', () => {
  it('once a stop begins, a new call is refused before answer as unavailable (SIP 503), with no leg', async () => {
    const t = setup();
    t.router.stopAccepting();
    await t.dial('ch-new');
    expect(t.channel.ops).to.deep.equal(['reject ch-new unavailable']);
    expect(t.ledger.opened).to.have.length(0);
    expect(t.outcomes.get('ch-new')).to.equal('refused');
    expect(t.directory.lookups).to.equal(0);
  });

  it('a call whose number lookup is under way when the stop begins is refused too, never answered', async () => {
    const t = setup();
    t.directory.held = true;
    await t.dial('ch-early');
    t.router.stopAccepting();
    t.directory.letGo();
    await flush();
    expect(t.channel.ops).to.deep.equal(['reject ch-early unavailable']);
    expect(t.ledger.opened).to.have.length(0);
  });

  it('after the drain limit a caller in the room hears goodbye, is hung up, and the leg closes at the end Asterisk reports', async () => {
    const t = setup();
    await t.dial('ch-mod');
    await t.press('ch-mod', `${ROOM}#4321#`);
    expect(t.joins).to.deep.equal(['ch-mod']);
    t.router.stopAccepting();
    t.router.endAll();
    await flush();
    expect(t.channel.plays('ch-mod').at(-1)).to.equal('sound:vm-goodbye');
    t.channel.finishPrompts();
    await flush();
    expect(t.channel.ops.at(-1)).to.equal('hangup ch-mod shutdown');
    expect(t.ledger.closed).to.have.length(0); // waits for Asterisk's end time
    t.router.callEnded('ch-mod', t.now() + 40);
    await flush();
    expect(t.ledger.closed).to.deep.equal([{ channelId: 'ch-mod', endedAt: t.now() + 40, reason: 'shutdown' }]);
    expect(t.leaves).to.deep.equal(['ch-mod']);
    expect(t.router.activeCalls).to.equal(0);
  });

  it('a caller still in the IVR is ended the same way; without an end from Asterisk the leg closes at our own clock', async () => {
    const t = setup();
    await t.dial('ch-ivr');
    await t.press('ch-ivr', '1133');
    t.router.endAll();
    await flush();
    expect(t.channel.plays('ch-ivr').at(-1)).to.equal('sound:vm-goodbye');
    // The prompt never reports its end: the guard hangs up anyway.
    await t.advance(STOP_PROMPT_GUARD_MS);
    expect(t.channel.ops.at(-1)).to.equal('hangup ch-ivr');
    await t.advance(STOP_END_GUARD_MS);
    expect(t.ledger.closed).to.deep.equal([{ channelId: 'ch-ivr', endedAt: t.now(), reason: 'shutdown' }]);
    expect(t.router.activeCalls).to.equal(0);
  });

  it('a caller who hangs up during the goodbye closes the leg at their own end time', async () => {
    const t = setup();
    await t.dial('ch-a');
    t.router.endAll();
    await flush();
    t.router.callEnded('ch-a', t.now() + 5);
    await flush();
    expect(t.ledger.closed).to.deep.equal([{ channelId: 'ch-a', endedAt: t.now() + 5, reason: 'shutdown' }]);
  });
});
