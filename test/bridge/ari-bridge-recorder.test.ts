// A conference recording whose RecordingFinished never comes (lost with the ARI connection):
// the stop settles after its guard, Asterisk is asked where the recording stands, what was
// recorded is stored, and the room no longer says it records. Before, the room stayed
// "recording" for 24 h and the stop never settled.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from 'ari-client';
import { AriBridgeRecorder } from '../../bridge/ari-bridge-recorder.js';
import type { AriCallRequests } from '../../bridge/ari-rest.js';
import { RecordingEnds } from '../../bridge/recording-ends.js';
import { ConferenceRecorder, type RecordingStore } from '../../app/conference-recorder.js';
import { FakeDirectory, roomInfo, silentLog, messageLog } from '../support/fakes.js';

const ROOM = '11331134';
const GUARD_MS = 50;

function setup(live: { state: string } | null) {
  const asked: string[] = [];
  const refused = async () => {
    throw new Error('not used by the recorder');
  };
  const rest: AriCallRequests & { downloadStored(name: string, file: string): Promise<number> } = {
    answer: refused,
    hangup: refused,
    play: refused,
    stopPlayback: refused,
    addChannel: refused,
    setChannelVar: refused,
    subscribe: refused,
    unsubscribe: refused,
    downloadStored: async (name, file) => {
      asked.push(`download ${name}`);
      fs.writeFileSync(file, 'RIFF');
      return 4;
    },
  };
  // Asterisk accepts every request; its RecordingFinished is lost (never delivered to `ends`).
  const client = {
    bridges: { record: async ({ name }: { name: string }) => void asked.push(`record ${name}`) },
    recordings: {
      stop: async ({ recordingName }: { recordingName: string }) => void asked.push(`stop ${recordingName}`),
      getLive: async ({ recordingName }: { recordingName: string }) => {
        asked.push(`state ${recordingName}`);
        if (live === null) throw new Error('Recording not found');
        return live;
      },
      deleteStored: async ({ recordingName }: { recordingName: string }) => void asked.push(`delete ${recordingName}`),
    },
  } as unknown as Client;
  const { log, messages: warnings } = messageLog('warn');
  const finished: Array<{ id: number; sizeBytes: number | null; stoppedBy: string }> = [];
  const store: RecordingStore = {
    create: async () => 1,
    finish: async (id, end) => void finished.push({ id, sizeBytes: end.sizeBytes, stoppedBy: end.stoppedBy }),
  };
  const directory = new FakeDirectory();
  directory.rooms.set(ROOM, roomInfo({ number: ROOM }));
  const recorder = new ConferenceRecorder({
    bridges: new AriBridgeRecorder({ client, rest }, new RecordingEnds(), log, GUARD_MS),
    rooms: { snapshot: () => ({ state: 'live', moderators: ['m'], live: [] }) },
    directory,
    store,
    announcer: { announce: async () => undefined, tell: async () => undefined, music: async () => undefined, forgetName: async () => undefined },
    dir: fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-rec-test-')),
    log: silentLog,
  });
  return { recorder, asked, warnings, finished };
}

/** The stop, or 'hung' if it has not settled a good while after its guard. */
async function stopped(recorder: ConferenceRecorder): Promise<boolean | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), GUARD_MS * 40)));
  return Promise.race([recorder.stop(ROOM, 'm'), hung]).finally(() => clearTimeout(timer));
}

describe('a conference recording whose end Asterisk never reports (fake ARI)', () => {
  it('Asterisk has no such live recording any more: the stop settles, the file is stored, the room no longer records, a warning says why', async () => {
    const t = setup(null);
    expect(await t.recorder.start(ROOM, 'm')).to.equal(true);
    expect(t.recorder.isRecording(ROOM)).to.equal(true);
    expect(await stopped(t.recorder)).to.equal(true);
    expect(t.recorder.isRecording(ROOM)).to.equal(false);
    const name = t.asked[0]?.replace(/^record /, '') ?? '';
    expect(t.asked).to.deep.equal([`record ${name}`, `stop ${name}`, `state ${name}`, `download ${name}`, `delete ${name}`]);
    expect(t.finished).to.deep.equal([{ id: 1, sizeBytes: 4, stoppedBy: 'm' }]);
    expect(t.warnings).to.include('recording end never reported by Asterisk: taken as ended');
  });

  it('Asterisk still records it: it is stopped again, then taken as ended all the same', async () => {
    const t = setup({ state: 'recording' });
    await t.recorder.start(ROOM, 'm');
    expect(await stopped(t.recorder)).to.equal(true);
    expect(t.recorder.isRecording(ROOM)).to.equal(false);
    expect(t.asked.filter((a) => a.startsWith('stop '))).to.have.length(2);
    expect(t.finished).to.have.length(1);
  });
});
