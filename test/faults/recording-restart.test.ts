// A conference recording running when the app is killed (-9), over real SIP: `tollbridge start`
// runs as a spawned process (test/support/spawned-bridge.ts) and a moderator's key 6 starts and
// stops the recording.
//  1. Callers stay: the restarted app follows the recording Asterisk kept making (no second
//     recording when the moderator presses 6 again: it stops the same one), a caller joining
//     after the restart is counted present, and the file covers the whole time.
//  2. Everyone hangs up while the app is away: the restarted app stops the recording of the
//     emptied room and finishes its row with the file.
// Before, the row stayed without an end and key 6 after the restart started a second recording.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { wavMilliseconds } from '../../app/calls/conference-recorder.js';
import type { ConferenceRecording } from '../../db/repositories/recordings.js';
import { startCall, type CallHandle, type Step } from '../../sipp/caller.js';
import { enterRoom as enter } from '../support/caller-steps.js';
import { SpawnedBridge, type SpawnedRoom } from '../support/spawned-bridge.js';
import { waitFor } from '../support/wait.js';


describe('a conference recording across kill -9 of the app @asterisk', function () {
  this.timeout(240_000);
  const bridge = new SpawnedBridge();
  const handles: CallHandle[] = [];
  const recordingsDir = path.join(bridge.dir, 'recordings');

  const call = (room: SpawnedRoom, pin: string, callerNumber: string, after: Step[] = []): CallHandle => {
    const handle = startCall({
      target: { host: '127.0.0.1', port: bridge.config.asterisk.sipPort },
      dialled: room.tollFree,
      callerNumber,
      steps: [...enter(room.roomNumber, pin), ...after],
      hangup: { by: 'far-end', maxWaitMs: 200_000 },
    });
    handles.push(handle);
    return handle;
  };
  const recordingsOf = (room: SpawnedRoom): Promise<ConferenceRecording[]> => bridge.withDb((db) => db.recordings.listForAccount(room.accountId, { limit: 10 }));
  const oneRunning = (room: SpawnedRoom) =>
    waitFor('the recording row, running', async () => {
      const rows = await recordingsOf(room);
      return rows.length === 1 && rows[0]?.endedAt === null ? rows[0] : null;
    }, { timeoutMs: 30_000, intervalMs: 250 });
  const oneFinished = (room: SpawnedRoom, timeoutMs: number) =>
    waitFor('the recording row finished', async () => {
      const rows = await recordingsOf(room);
      return rows.length >= 1 && rows.every((r) => r.endedAt !== null) ? rows : null;
    }, { timeoutMs, intervalMs: 250 });

  before(async () => {
    await bridge.start();
  });

  after(async () => {
    await bridge.tearDown(handles);
  });

  it('callers stay: the restarted app follows the same recording, key 6 stops it, a caller joining after the restart is present, the file covers the whole time', async () => {
    const room = await bridge.seedRoom('end');
    // Key 6 at about 3 s (starts), again at about 45 s (stops: after the restart below).
    const moderator = call(room, room.moderatorPin, '+15550700000', [{ pauseMs: 2_500 }, { digits: '6' }, { pauseMs: 42_000 }, { digits: '6' }]);
    await bridge.waitForMembers(room.roomNumber, 'live', 1);
    const early = call(room, room.participantPin, '+15550700001');
    await bridge.waitForMembers(room.roomNumber, 'live', 2);
    const running = await oneRunning(room);

    await bridge.kill9();
    await bridge.start();
    expect(bridge.log).to.include('conference recording resumed after a restart');
    const late = call(room, room.participantPin, '+15550700002');
    await bridge.waitForMembers(room.roomNumber, 'live', 3);

    const [row, ...others] = await oneFinished(room, 90_000);
    expect(others, 'a second recording').to.have.length(0);
    expect(row?.id).to.equal(running.id);
    expect(row?.sizeBytes ?? 0).to.be.above(44);
    const file = path.join(recordingsDir, row?.file ?? '');
    expect(fs.existsSync(file), 'the file in the recordings directory').to.equal(true);
    const lengthMs = wavMilliseconds(file) ?? 0;
    const spanMs = (row?.endedAt ?? 0) - (row?.startedAt ?? 0);
    expect(lengthMs, 'recorded through the restart').to.be.above(30_000);
    expect(Math.abs(lengthMs - spanMs), `file ${lengthMs} ms vs row ${spanMs} ms`).to.be.below(2_000);
    expect(row?.present.map((p) => p.callerNumber)).to.include.members(['+15550700000', '+15550700001', '+15550700002']);

    await Promise.all([early, late, moderator].map((h) => h.hangUpNow()));
  });

  it('everyone hangs up while the app is away: the restarted app stops the emptied room\'s recording and finishes its row with the file', async () => {
    const room = await bridge.seedRoom('end');
    const moderator = call(room, room.moderatorPin, '+15550710000', [{ pauseMs: 2_500 }, { digits: '6' }]);
    await bridge.waitForMembers(room.roomNumber, 'live', 1);
    const participant = call(room, room.participantPin, '+15550710001');
    await bridge.waitForMembers(room.roomNumber, 'live', 2);
    await oneRunning(room);

    await bridge.kill9();
    await Promise.all([moderator.hangUpNow(), participant.hangUpNow()]);
    await bridge.start();

    const [row, ...others] = await oneFinished(room, 30_000);
    expect(others).to.have.length(0);
    expect(row?.stoppedBy).to.equal('room-empty');
    const file = path.join(recordingsDir, row?.file ?? '');
    expect(fs.existsSync(file), 'the file in the recordings directory').to.equal(true);
    expect(wavMilliseconds(file) ?? 0).to.be.above(1_000);
  });
});
