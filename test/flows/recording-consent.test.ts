// Recording consent: the room counts as recording from the moment a start is asked for (a
// moderator's key 6), not from when the room's queue reaches it, so a caller who enters in
// between hears the notice (and, where the room requires it, is asked to consent) rather than
// being recorded unasked. A start that then fails is undone. Fake ARI, the real machines.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SimulatedClock } from 'xstate';
import { ConferenceRecorder } from '../../app/calls/conference-recorder.js';
import type { BridgeRecording } from '../../bridge/ari-bridge-recorder.js';
import type { RecordingEnd } from '../../bridge/recording-ends.js';
import { DEFAULT_ANNOUNCEMENTS } from '../../domain/rooms.js';
import { CallRouter } from '../../flows/call-router.js';
import { RoomRegistry } from '../../flows/room-registry.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { FakeBridges, FakeChannel, FakeDirectory, FakeLedger, flush, roomInfo, messageLog } from '../support/fakes.js';

const TOLL_FREE = '+18005550100';
const ROOM = '11331134';

/** Asterisk's side of a conference recording, each start held until the test lets it answer. */
class HeldBridgeRecording implements BridgeRecording {
  private answer: (err?: Error) => void = () => undefined;
  started = 0;
  start(): Promise<void> {
    this.started++;
    return new Promise((resolve, reject) => (this.answer = (err) => (err === undefined ? resolve() : reject(err))));
  }
  ended(): Promise<RecordingEnd> {
    return new Promise(() => undefined);
  }
  async stop(): Promise<void> {}
  async takeFile(): Promise<number> {
    return 0;
  }
  async adopt(): Promise<'gone'> {
    return 'gone';
  }
  accept(): void {
    this.answer();
  }
  fail(): void {
    this.answer(new Error('Bridge not found'));
  }
}

function setup() {
  const info = roomInfo({ number: ROOM, announcements: { ...DEFAULT_ANNOUNCEMENTS, recordingConsent: true } });
  const directory = new FakeDirectory();
  directory.routes.set(TOLL_FREE, { numberId: 3, e164: TOLL_FREE, kind: 'toll_free', accountId: 7, subscriptionId: 9 });
  directory.rooms.set(ROOM, info);
  directory.pins.set(1, { moderator: '4321', participant: '1111' });
  const { log, messages: logged } = messageLog('info');
  const bridgeRecording = new HeldBridgeRecording();
  const roomView: { rooms: RoomRegistry | null } = { rooms: null };
  const recorder = new ConferenceRecorder({
    bridges: bridgeRecording,
    rooms: { snapshot: (room) => roomView.rooms?.snapshot(room) ?? null },
    directory,
    store: { create: async () => 1, finish: async () => undefined, unfinished: async () => [] },
    announcer: { announce: async () => undefined, tell: async () => undefined, music: async () => undefined, forgetName: async () => undefined },
    dir: fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-consent-test-')),
    log,
  });
  const bridges = new FakeBridges();
  const rooms = new RoomRegistry(bridges, log, { recording: recorder });
  roomView.rooms = rooms;
  const channel = new FakeChannel();
  const router = new CallRouter(
    { channel, directory, ledger: new FakeLedger(), rooms, clock: { now: () => 1_000_000 }, timing: DEFAULT_IVR_TIMING, log, recording: recorder },
    { timers: new SimulatedClock() },
  );
  const dialIn = async (channelId: string, pin: string) => {
    router.callStarted({ channelId, dialled: '18005550100', callerNumber: null });
    await flush();
    for (const k of `${ROOM}#${pin}#`) router.digit(channelId, k);
    await flush();
  };
  return { recorder, rooms, bridges, router, channel, bridgeRecording, dialIn, logged };
}

describe('recording consent while a start is on its way (fake ARI)', () => {
  it('a caller entering between the key and the start is asked to consent (the room counts as recording from the key)', async () => {
    const t = setup();
    await t.dialIn('m', '4321');
    expect(t.rooms.snapshot(ROOM)?.moderators).to.deep.equal(['m']);
    // The room's queue is busy (a caller's move takes a while): the start waits its turn.
    t.bridges.delayMs = 300;
    await t.dialIn('p0', '1111');
    t.router.digit('m', '6');
    expect(t.recorder.isRecording(ROOM)).to.equal(true);
    await t.dialIn('p1', '1111');
    expect(t.bridgeRecording.started).to.equal(0);
    expect(t.channel.plays('p1')).to.deep.include('sound:conf-now-recording,sound:vm-press,digits:1');
    expect(t.rooms.snapshot(ROOM)?.live).to.deep.equal(['p0']);
    // p0's move done, the queue reaches the start and asks Asterisk.
    while (t.bridgeRecording.started === 0) await new Promise((r) => setTimeout(r, 20));
    t.bridgeRecording.accept();
    await flush();
    expect(t.bridgeRecording.started).to.equal(1);
    expect(t.recorder.isRecording(ROOM)).to.equal(true);
  });

  it('a start that fails is undone: the room no longer counts as recording, and the log says so', async () => {
    const t = setup();
    await t.dialIn('m', '4321');
    t.router.digit('m', '6');
    await flush();
    expect(t.recorder.isRecording(ROOM)).to.equal(true);
    t.bridgeRecording.fail();
    await flush();
    expect(t.recorder.isRecording(ROOM)).to.equal(false);
    expect(t.logged).to.include('conference recording did not start');
    await t.dialIn('p2', '1111');
    expect(t.rooms.snapshot(ROOM)?.live).to.deep.equal(['p2']);
  });
});
