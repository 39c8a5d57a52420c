// Between the right PIN and the room (flows/entry-steps.ts), through the real call machine with
// fake ARI: the recording notice, consent by pressing 1, and name recording.
import { expect } from 'chai';
import { SimulatedClock } from 'xstate';
import { DEFAULT_ANNOUNCEMENTS, type RoomAnnouncements } from '../../domain/rooms.js';
import { CallRouter } from '../../flows/call-router.js';
import type { CallOutcome, JoinDetails } from '../../flows/call-machine.js';
import type { NameRecorder, RoomInfo } from '../../flows/ports.js';
import type { Role } from '../../domain/roles.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { FakeChannel, FakeDirectory, FakeLedger, flush, roomInfo, silentLog } from '../support/fakes.js';

const TOLL_FREE = '+18005550100';
const ROOM = '11331134';
const CH = 'ch-1';

class FakeNames implements NameRecorder {
  readonly recorded: string[] = [];
  readonly discarded: string[] = [];
  private finish: (name: string | null) => void = () => undefined;
  record(channelId: string): Promise<string | null> {
    this.recorded.push(channelId);
    return new Promise((resolve) => (this.finish = resolve));
  }
  async discard(name: string): Promise<void> {
    this.discarded.push(name);
  }
  /** Asterisk's RecordingFinished. */
  done(name: string | null): void {
    this.finish(name);
  }
}

function setup(announcements: Partial<RoomAnnouncements>, recording: boolean) {
  const channel = new FakeChannel();
  const directory = new FakeDirectory();
  const joins: Array<{ channelId: string; role: Role; name: string | undefined }> = [];
  const timers = new SimulatedClock();
  const outcomes = new Map<string, CallOutcome>();
  const names = new FakeNames();
  directory.routes.set(TOLL_FREE, { numberId: 3, e164: TOLL_FREE, kind: 'toll_free', accountId: 7, subscriptionId: 9 });
  directory.rooms.set(ROOM, roomInfo({ number: ROOM, announcements: { ...DEFAULT_ANNOUNCEMENTS, ...announcements } }));
  directory.pins.set(1, { moderator: '4321', participant: '1111' });
  const router = new CallRouter(
    {
      channel,
      directory,
      ledger: new FakeLedger(),
      rooms: {
        join: (_room: RoomInfo, channelId: string, role: Role, who?: JoinDetails) => joins.push({ channelId, role, name: who?.name }),
        leave: () => undefined,
        replace: () => undefined,
        admitted: () => true,
      },
      clock: { now: () => 1_000_000 },
      timing: DEFAULT_IVR_TIMING,
      log: silentLog,
      names,
      recording: { isRecording: (room) => recording && room === ROOM },
    },
    { timers, onFinished: (id, outcome) => outcomes.set(id, outcome) },
  );
  return {
    channel,
    joins,
    names,
    outcomes,
    press: async (keys: string) => {
      for (const k of keys) router.digit(CH, k);
      await flush();
    },
    hear: async () => {
      channel.finishPrompts();
      await flush();
    },
    advance: async (ms: number) => {
      timers.increment(ms);
      await flush();
    },
    dialInWithPin: async (pin: string) => {
      router.callStarted({ channelId: CH, dialled: '18005550100', callerNumber: '+15551230000' });
      await flush();
      for (const k of `${ROOM}#${pin}#`) router.digit(CH, k);
      await flush();
    },
    hangUp: async () => {
      router.callEnded(CH, 1_000_500);
      await flush();
    },
  };
}

describe('entry steps: recording notice, consent, name (fake ARI)', () => {
  it('a caller joining a recorded conference hears "the conference is now being recorded" to its end before entering', async () => {
    const t = setup({}, true);
    await t.dialInWithPin('1111');
    expect(t.channel.plays(CH)).to.deep.include('sound:conf-now-recording');
    expect(t.joins).to.deep.equal([]);
    await t.hear();
    expect(t.joins).to.deep.equal([{ channelId: CH, role: 'participant', name: undefined }]);
  });

  it('a recording notice whose end never comes (lost in an ARI reconnect): the caller enters after the prompt guard', async () => {
    const t = setup({}, true);
    await t.dialInWithPin('1111');
    expect(t.channel.plays(CH)).to.deep.include('sound:conf-now-recording');
    await t.advance(DEFAULT_IVR_TIMING.promptGuardMs - 10);
    expect(t.joins).to.deep.equal([]);
    await t.advance(10);
    expect(t.joins).to.deep.equal([{ channelId: CH, role: 'participant', name: undefined }]);
  });

  it('a room requiring consent: pressing 1 during the question lets the caller in', async () => {
    const t = setup({ recordingConsent: true }, true);
    await t.dialInWithPin('1111');
    expect(t.channel.plays(CH)).to.deep.include('sound:conf-now-recording,sound:vm-press,digits:1');
    await t.press('1');
    expect(t.joins.map((j) => j.channelId)).to.deep.equal([CH]);
  });

  it('a room requiring consent: no key before the wait ends keeps the caller out (goodbye, hung up, never in the room)', async () => {
    const t = setup({ recordingConsent: true }, true);
    await t.dialInWithPin('4321');
    await t.hear();
    await t.advance(DEFAULT_IVR_TIMING.firstDigitMs + 10);
    expect(t.channel.plays(CH)).to.deep.include('sound:vm-goodbye');
    await t.hear();
    expect(t.channel.ops).to.include(`hangup ${CH} refused`);
    expect(t.joins).to.deep.equal([]);
    await t.hangUp();
    expect(t.outcomes.get(CH)).to.equal('refused');
  });

  it('a room requiring consent: another key keeps the caller out', async () => {
    const t = setup({ recordingConsent: true }, true);
    await t.dialInWithPin('1111');
    await t.hear();
    await t.press('2');
    expect(t.channel.plays(CH)).to.deep.include('sound:vm-goodbye');
    expect(t.joins).to.deep.equal([]);
  });

  it('consent is asked only while a recording runs: otherwise straight in', async () => {
    const t = setup({ recordingConsent: true }, false);
    await t.dialInWithPin('1111');
    expect(t.joins.map((j) => j.channelId)).to.deep.equal([CH]);
    expect(t.channel.plays(CH).join(' ')).to.not.include('conf-now-recording');
  });

  it('a room that records names: the name is recorded, then handed to the room with the caller', async () => {
    const t = setup({ recordNames: true }, false);
    await t.dialInWithPin('1111');
    expect(t.names.recorded).to.deep.equal([CH]);
    expect(t.joins).to.deep.equal([]);
    t.names.done('tollbridge-names/ch-1');
    await flush();
    expect(t.joins).to.deep.equal([{ channelId: CH, role: 'participant', name: 'tollbridge-names/ch-1' }]);
  });

  it('a caller who hangs up while recording their name never enters; the name is deleted when it arrives', async () => {
    const t = setup({ recordNames: true }, false);
    await t.dialInWithPin('1111');
    await t.hangUp();
    t.names.done('tollbridge-names/ch-1');
    await flush();
    expect(t.joins).to.deep.equal([]);
    expect(t.names.discarded).to.deep.equal(['tollbridge-names/ch-1']);
  });
});
