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
import { ConferenceRecorder, type RecordingStore } from '../../app/calls/conference-recorder.js';
import { FakeDirectory, roomInfo, silentLog, messageLog } from '../support/fakes.js';

const ROOM = '11331134';
const GUARD_MS = 50;
const NOW = 1_900_000_000_000;

function setup(live: { state: string } | null, unfinished: Awaited<ReturnType<RecordingStore['unfinished']>> = [], stored: Buffer | null = Buffer.from('RIFF')) {
  const asked: string[] = [];
  const media = { stored };
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
      if (media.stored === null) throw new Error('Recording not found');
      fs.writeFileSync(file, media.stored);
      return media.stored.length;
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
  const finished: Array<{ id: number; sizeBytes: number | null; stoppedBy: string; endedAt?: number; present?: string[] }> = [];
  const store: RecordingStore = {
    create: async () => 1,
    finish: async (id, end) => void finished.push({ id, sizeBytes: end.sizeBytes, stoppedBy: end.stoppedBy, ...(unfinished.length > 0 ? { endedAt: end.endedAt, present: end.present } : {}) }),
    unfinished: async () => unfinished,
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
    now: () => NOW,
  });
  return { recorder, asked, warnings, finished, media };
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

/** A WAV file of `ms` milliseconds of 8 kHz 16-bit mono (what Asterisk writes for format wav). */
function wav(ms: number): Buffer {
  const data = (ms * 16_000) / 1000;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16_000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data, 40);
  return Buffer.concat([header, Buffer.alloc(data)]);
}

describe('a conference recording running when the app restarted (fake ARI)', () => {
  const row = { id: 7, roomNumber: ROOM, file: `${ROOM}-20261206T230000Z.wav`, startedAt: NOW - 60_000, present: ['m', 'p1'] };
  const name = `tollbridge-rec-${ROOM}-20261206T230000Z`;

  it('still recording in Asterisk and the room rebuilt: followed again, the room records, a joiner is counted present, a stop finishes the same row', async () => {
    const t = setup({ state: 'recording' }, [row]);
    expect(await t.recorder.resume(new Map([[ROOM, ['m', 'p3']]]))).to.deep.equal({ resumed: 1, finished: 0 });
    expect(t.recorder.isRecording(ROOM)).to.equal(true);
    // A second start is not a second recording.
    expect(await t.recorder.start(ROOM, 'm')).to.equal(false);
    t.recorder.bridgeEvent(ROOM, 'p2', 'live', true);
    expect(await stopped(t.recorder)).to.equal(true);
    expect(t.recorder.isRecording(ROOM)).to.equal(false);
    expect(t.asked.slice(0, 2)).to.deep.equal([`state ${name}`, `stop ${name}`]);
    expect(t.finished).to.deep.equal([{ id: 7, sizeBytes: 4, stoppedBy: 'm', endedAt: NOW, present: ['m', 'p1', 'p3', 'p2'] }]);
  });

  it('still recording but nobody came back (everyone left while the app was away): stopped and finished', async () => {
    const t = setup({ state: 'recording' }, [row]);
    expect(await t.recorder.resume(new Map())).to.deep.equal({ resumed: 0, finished: 1 });
    await t.recorder.settled();
    expect(t.asked).to.include(`stop ${name}`);
    expect(t.finished.map((f) => f.id)).to.deep.equal([7]);
    expect(t.recorder.isRecording(ROOM)).to.equal(false);
  });

  it('no longer live (ended while the app was away): its file taken out, the row ended at its start plus the file\'s length', async () => {
    const t = setup(null, [row], wav(42_000));
    expect(await t.recorder.resume(new Map([[ROOM, ['m']]]))).to.deep.equal({ resumed: 0, finished: 1 });
    expect(t.recorder.isRecording(ROOM)).to.equal(false);
    expect(t.finished).to.deep.equal([{ id: 7, sizeBytes: 44 + 42 * 16_000, stoppedBy: 'room-empty', endedAt: row.startedAt + 42_000, present: ['m', 'p1'] }]);
  });

  it('stopped while Asterisk was out of reach (file not taken out): the room stops recording at once, the next resync stops it again, takes the file out and ends the row when it was stopped', async () => {
    const rows: Parameters<typeof setup>[1] = [];
    const t = setup({ state: 'recording' }, rows, null);
    await t.recorder.start(ROOM, 'm');
    expect(await stopped(t.recorder)).to.equal(true);
    expect(t.recorder.isRecording(ROOM)).to.equal(false);
    expect(t.finished, 'no end written while the file is still in Asterisk').to.deep.equal([]);
    const started = t.asked[0]?.replace(/^record /, '') ?? '';
    rows.push({ id: 1, roomNumber: ROOM, file: `${started.replace(/^tollbridge-rec-/, '')}.wav`, startedAt: NOW, present: ['m'] });
    t.media.stored = wav(1_000);
    t.asked.length = 0;
    expect(await t.recorder.resume(new Map([[ROOM, ['m']]]))).to.deep.equal({ resumed: 0, finished: 1 });
    expect(t.recorder.isRecording(ROOM)).to.equal(false);
    expect(t.asked).to.include.members([`state ${started}`, `stop ${started}`, `download ${started}`]);
    expect(t.finished).to.deep.equal([{ id: 1, stoppedBy: 'm', sizeBytes: 44 + 16_000, endedAt: NOW, present: ['m'] }]);
  });

  it('neither live nor stored in this Asterisk (another bridge process\'s): left alone', async () => {
    const t = setup(null, [row], null);
    expect(await t.recorder.resume(new Map([[ROOM, ['m']]]))).to.deep.equal({ resumed: 0, finished: 0 });
    expect(t.finished).to.deep.equal([]);
  });
});
