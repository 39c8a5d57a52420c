// Audio really flows through the conference: one caller plays a 440 Hz tone, Asterisk
// records the live bridge through ARI, and sox measures the recording. A second recording
// with everyone silent is the control: it shows the measurement can tell the difference.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { liveBridgeId } from '../../bridge/room-bridge-ids.js';
import { startCall, type Step } from '../../sipp/caller.js';
import { sharedAsterisk, testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest } from '../support/bridge-fixture.js';
import { waitFor } from '../support/wait.js';

const run = promisify(execFile);

interface AudioStats {
  rms: number;
  frequency: number;
}

async function soxStats(file: string, effects: string[] = []): Promise<AudioStats> {
  // `sox FILE -n stat` prints its figures on stderr.
  const { stderr } = await run('sox', [file, '-n', ...effects, 'stat']);
  const figure = (label: string) => Number(new RegExp(`${label}:\\s+(-?[0-9.]+)`).exec(stderr)?.[1] ?? NaN);
  return { rms: figure('RMS\\s+amplitude'), frequency: figure('Rough\\s+frequency') };
}

describe('audio in the conference @asterisk', function () {
  this.timeout(120_000);
  let bridge: BridgeUnderTest;

  before(async () => {
    bridge = await BridgeUnderTest.start();
  });
  after(async () => {
    await bridge?.stop();
  });

  async function recordLive(room: string, name: string, seconds: number): Promise<string> {
    const asterisk = await sharedAsterisk();
    const file = path.join(asterisk.paths.spoolDir, 'recording', `${name}.wav`);
    fs.rmSync(file, { force: true });
    await bridge.app.ari.client.bridges.record({
      bridgeId: liveBridgeId(room),
      name,
      format: 'wav',
      maxDurationSeconds: seconds,
      ifExists: 'overwrite',
    });
    await waitFor(`recording ${name} finished`, async () => {
      try {
        await bridge.app.ari.client.recordings.getLive({ recordingName: name });
        return false; // still recording
      } catch {
        return fs.existsSync(file) && fs.statSync(file).size > 44;
      }
    }, { timeoutMs: (seconds + 10) * 1000 });
    return file;
  }

  it('a caller\'s tone is heard in the live conference; silence is not mistaken for it', async () => {
    const room = await bridge.seedRoom();
    // The silent control must be silent: no join tone in the conference (announcements.test.ts hears it).
    await bridge.db.rooms.updateSettings(room.roomNumber, { announcements: { joinLeaveTones: false } });
    const target = { host: '127.0.0.1', port: testAsteriskConfig().sipPort };
    const entry = (pin: string): Step[] => [{ pauseMs: 300 }, { digits: `${room.roomNumber}#` }, { pauseMs: 300 }, { digits: `${pin}#` }];
    const moderator = startCall({ target, dialled: room.tollFree, steps: entry(room.moderatorPin), hangup: { by: 'far-end', maxWaitMs: 90_000 } });
    // The speaker is silent first (for the control recording), then plays a tone.
    const speaker = startCall({
      target,
      dialled: room.tollFree,
      steps: [...entry(room.participantPin), { silenceMs: 9000 }, { toneHz: 440, ms: 12_000 }],
      hangup: { by: 'far-end', maxWaitMs: 90_000 },
    });
    await bridge.waitForLive(room.roomNumber, 2);
    const silent = await soxStats(await recordLive(room.roomNumber, `silence-${room.roomNumber}`, 3));
    // Wait until the tone is in the stream (after the speaker's 9 s of silence), then record.
    const toneFile = await waitFor('tone in the conference', async () => {
      const file = await recordLive(room.roomNumber, `tone-${room.roomNumber}`, 3);
      const stats = await soxStats(file);
      return stats.rms > 0.05 ? file : null;
    }, { timeoutMs: 30_000, intervalMs: 200 });
    const tone = await soxStats(toneFile);
    expect(silent.rms, 'control recording should be near silence').to.be.below(0.01);
    expect(tone.rms).to.be.above(0.05);
    expect(tone.frequency).to.be.within(400, 480);
    await Promise.all([moderator.hangUpNow(), speaker.hangUpNow()]);
    await Promise.all([moderator.result, speaker.result]);
    await bridge.waitForNothingLeft();
  });

  // Waiting callers stand muted in the live bridge with its music (bridge/waiting-places.ts): a
  // recording of that bridge hears what any of them would hear from the others. The 440 Hz band
  // (sinc 420-460) tells the caller's tone from the music.
  it('callers waiting for the moderator do not hear each other; released, the tone is heard and the music is gone', async () => {
    const room = await bridge.seedRoom();
    await bridge.db.rooms.updateSettings(room.roomNumber, { announcements: { joinLeaveTones: false } });
    const target = { host: '127.0.0.1', port: testAsteriskConfig().sipPort };
    const entry = (pin: string): Step[] => [{ pauseMs: 300 }, { digits: `${room.roomNumber}#` }, { pauseMs: 300 }, { digits: `${pin}#` }];
    const speaker = startCall({ target, dialled: room.tollFree, steps: [...entry(room.participantPin), { toneHz: 440, ms: 40_000 }], hangup: { by: 'far-end', maxWaitMs: 90_000 } });
    const listener = startCall({ target, dialled: room.tollFree, steps: entry(room.participantPin), hangup: { by: 'far-end', maxWaitMs: 90_000 } });
    await bridge.waitForHold(room.roomNumber, 2);
    // Past the waiting prompt: the tone plays into the bridge (muted) and the music plays.
    await new Promise((r) => setTimeout(r, 5_000));
    const waiting = await soxStats(await recordLive(room.roomNumber, `waiting-${room.roomNumber}`, 3), ['sinc', '420-460']);
    const music = await soxStats(await recordLive(room.roomNumber, `music-${room.roomNumber}`, 3));
    const moderator = startCall({ target, dialled: room.tollFree, steps: entry(room.moderatorPin), hangup: { by: 'far-end', maxWaitMs: 90_000 } });
    await bridge.waitForLive(room.roomNumber, 3);
    // Each caller let in first hears how many are there (a prompt to the channel takes it out of the mix meanwhile).
    const released = await waitFor('the released speaker\'s tone in the conference', async () => {
      const file = await recordLive(room.roomNumber, `released-${room.roomNumber}`, 2);
      // The band around the tone, and all but that band (sinc 500-380 rejects 380-500 Hz): the music's place.
      return (await soxStats(file, ['sinc', '420-460'])).rms > 0.05 ? soxStats(file, ['sinc', '500-380']) : null;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    expect(music.rms, 'the waiting hear music').to.be.above(0.01);
    // The music alone has about 0.01 in that band; the tone, heard, 0.07-0.09.
    expect(waiting.rms, 'the waiting speaker\'s tone is not in the bridge').to.be.below(0.03);
    expect(released.rms, 'released, only the speaker is heard: no music').to.be.below(0.02);
    await Promise.all([moderator.hangUpNow(), speaker.hangUpNow(), listener.hangUpNow()]);
    await Promise.all([moderator.result, speaker.result, listener.result]);
    await bridge.waitForNothingLeft();
  });
});
