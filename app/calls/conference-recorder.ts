// The recorder behind RecordingControl (flows/recording-control.ts), which a moderator's key and
// the owner's API ask to start and stop a room's recording:
//   start  the room must be live (someone in its conference); Asterisk records its live bridge;
//          the conference hears "the conference is now being recorded" (in the room's language);
//          a row in conference_recordings says who started it and who is present. From now on
//          every caller who joins hears the notice first (and, where the room requires consent,
//          presses 1 or is kept out: flows/entry-steps.ts)
//   joins  everyone who enters the live bridge while it records is added to who was present
//   stop   asked for, or the room empties (its bridges are released: the recording stops
//          first): the file is taken out of Asterisk into TOLLBRIDGE_RECORDINGS_DIR and the
//          row gets its end, size and everyone present
// One recording per room at a time. State lives in this process and in Asterisk's live
// recording; a restarted app resumes, at its resync, each recording without an end that its
// Asterisk still records (`resume`): the room records on, joiners hear the notice, a stop
// ends it. One that ended while the app was away is taken out and finished then.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { recordingNoticeSounds } from '../../flows/announcements.js';
import type { ConferenceBridges, Directory, RoomAnnouncer } from '../../flows/ports.js';
import type { BridgeKind } from '../../domain/call-events.js';
import type { LegEndReason } from '../../domain/legs.js';
import type { RecordingControl } from '../../flows/recording-control.js';
import type { BridgeRecording } from '../../bridge/ari-bridge-recorder.js';

/** Where recordings are written and read (db/repositories/recordings.ts). */
export interface RecordingStore {
  create(recording: { roomId: number; accountId: number; file: string; startedAt: number; startedBy: string; present: string[] }): Promise<number>;
  finish(id: number, end: { endedAt: number; stoppedBy: string; present: string[]; sizeBytes: number | null }): Promise<void>;
  /** Recordings without an end (db/repositories/recordings.ts unfinished). */
  unfinished(): Promise<Array<{ id: number; roomNumber: string; file: string; startedAt: number; present: string[] }>>;
}

export interface ConferenceRecorderDeps {
  bridges: BridgeRecording;
  /** Who the room machine has in the conference now. */
  rooms: { snapshot(room: string): { state: string; moderators: string[]; live: string[] } | null };
  directory: Pick<Directory, 'findRoom'>;
  store: RecordingStore;
  announcer: RoomAnnouncer;
  /** TOLLBRIDGE_RECORDINGS_DIR. */
  dir: string;
  log: Logger;
  now?: () => number;
}

interface ActiveRecording {
  name: string;
  file: string;
  rowId: number | null;
  present: Set<string>;
  stoppedBy: string;
  /** Settles when the file is out of Asterisk and the row finished. */
  finalized: Promise<void>;
}

const LIVE_STATES = new Set(['live', 'unmoderated']);

/** Asterisk's name for the recording written to `file`. */
function recordingName(file: string): string {
  return `tollbridge-rec-${file.replace(/\.wav$/, '')}`;
}

/** A recording's length from its WAV header (Asterisk writes a 44-byte header); null when unreadable. */
export function wavMilliseconds(file: string): number | null {
  try {
    const header = Buffer.alloc(44);
    const fd = fs.openSync(file, 'r');
    try {
      if (fs.readSync(fd, header, 0, 44, 0) < 44) return null;
      const size = fs.fstatSync(fd).size;
      const byteRate = header.readUInt32LE(28);
      if (header.toString('ascii', 0, 4) !== 'RIFF' || byteRate === 0) return null;
      return Math.round(((size - 44) * 1000) / byteRate);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** A file name for a recording started at `at`: the room and the UTC time, sortable. */
export function recordingFileName(room: string, at: number): string {
  return `${room}-${new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}.wav`;
}

export class ConferenceRecorder implements RecordingControl {
  private readonly active = new Map<string, ActiveRecording>();
  /** Rooms whose start was asked for and has not run to its end: they count as recording already. */
  private readonly asked = new Set<string>();
  private readonly finalizing = new Set<Promise<void>>();
  /** Stopped while Asterisk could not be reached, by row id: the next resync ends them (confirmStop). */
  private readonly unconfirmed = new Map<number, { recording: ActiveRecording; endedAt: number }>();
  private readonly now: () => number;

  constructor(private readonly deps: ConferenceRecorderDeps) {
    this.now = deps.now ?? Date.now;
    fs.mkdirSync(deps.dir, { recursive: true, mode: 0o750 });
  }

  isRecording(roomNumber: string): boolean {
    return this.active.has(roomNumber) || this.asked.has(roomNumber);
  }

  ask(roomNumber: string): void {
    this.asked.add(roomNumber);
  }

  async start(roomNumber: string, startedBy: string): Promise<boolean> {
    // The API asks here; a key asked earlier (the room's queue ran meanwhile).
    this.ask(roomNumber);
    try {
      const started = await this.begin(roomNumber, startedBy);
      if (!started && !this.active.has(roomNumber)) this.deps.log.info({ room: roomNumber, startedBy }, 'conference recording asked for but not started: joiners are no longer told it records');
      return started;
    } finally {
      this.asked.delete(roomNumber);
    }
  }

  private async begin(roomNumber: string, startedBy: string): Promise<boolean> {
    const { deps } = this;
    const snap = deps.rooms.snapshot(roomNumber);
    if (this.active.has(roomNumber) || snap === null || !LIVE_STATES.has(snap.state) || snap.moderators.length + snap.live.length === 0) return false;
    const room = await deps.directory.findRoom(roomNumber);
    if (room === null || this.active.has(roomNumber)) return false;
    const startedAt = this.now();
    const file = recordingFileName(roomNumber, startedAt);
    const name = recordingName(file);
    const recording: ActiveRecording = { name, file, rowId: null, present: new Set([...snap.moderators, ...snap.live]), stoppedBy: 'room-empty', finalized: Promise.resolve() };
    // Known as recording from now: a caller entering meanwhile hears the notice.
    this.active.set(roomNumber, recording);
    try {
      await deps.bridges.start(roomNumber, name);
    } catch (err) {
      this.active.delete(roomNumber);
      deps.log.warn({ err, room: roomNumber }, 'conference recording did not start');
      return false;
    }
    await deps.announcer.announce(roomNumber, recordingNoticeSounds(false), room.language);
    this.finalizeWhenEnded(roomNumber, recording);
    try {
      recording.rowId = await deps.store.create({ roomId: room.id, accountId: room.accountId, file, startedAt, startedBy, present: [...recording.present] });
    } catch (err) {
      deps.log.error({ err, room: roomNumber, file }, 'conference recording started but not written to the database: its file is kept, unlisted');
    }
    deps.log.info({ room: roomNumber, file, startedBy }, 'conference recording started');
    return true;
  }

  private finalizeWhenEnded(roomNumber: string, recording: ActiveRecording): void {
    recording.finalized = this.deps.bridges.ended(recording.name).then(() => this.finalize(roomNumber, recording));
    this.finalizing.add(recording.finalized);
    void recording.finalized.then(() => this.finalizing.delete(recording.finalized));
  }

  /**
   * After a restart or a reconnect (app/calls/resync.ts), with the rooms rebuilt and who is in each
   * one's conference: each recording without an end that Asterisk
   * still records is followed again, so the room says it records and a stop ends it; one whose
   * room was not rebuilt (everyone left while the app was away) is stopped and finished; one no
   * longer live is finished from the file Asterisk kept, its end from the file's length. A row
   * whose recording this Asterisk never had (another bridge process's) is left alone. A
   * database error fails the resync (tried again); Asterisk's errors are logged, per recording.
   */
  async resume(rebuiltRooms: ReadonlyMap<string, readonly string[]>): Promise<{ resumed: number; finished: number }> {
    const counts = { resumed: 0, finished: 0 };
    for (const row of await this.deps.store.unfinished()) {
      const pending = this.unconfirmed.get(row.id);
      if (pending !== undefined) {
        await this.confirmStop(row.roomNumber, pending);
        counts.finished++;
        continue;
      }
      if (this.active.has(row.roomNumber)) continue;
      const recording: ActiveRecording = { name: recordingName(row.file), file: row.file, rowId: row.id, present: new Set(row.present), stoppedBy: 'room-empty', finalized: Promise.resolve() };
      const state = await this.deps.bridges.adopt(recording.name);
      if (state === 'live') {
        this.active.set(row.roomNumber, recording);
        this.finalizeWhenEnded(row.roomNumber, recording);
        const inConference = rebuiltRooms.get(row.roomNumber);
        if (inConference !== undefined) {
          // Who joined after the row was written is in the conference now (or left meanwhile, unseen).
          for (const channelId of inConference) recording.present.add(channelId);
          counts.resumed++;
          this.deps.log.info({ room: row.roomNumber, file: row.file }, 'conference recording resumed after a restart');
        } else {
          // Its bridge stays in Asterisk with nobody in it: stopped; finished once Asterisk says so.
          counts.finished++;
          void this.halt(row.roomNumber, 'room-empty').catch((err: unknown) => this.deps.log.warn({ err, room: row.roomNumber }, 'recording of an emptied room not stopped'));
        }
      } else if (await this.finishGone(row, recording)) {
        counts.finished++;
      }
    }
    return counts;
  }

  /** A recording that ended while the app was away: its file out of Asterisk, its row finished. */
  private async finishGone(row: { id: number; roomNumber: string; startedAt: number }, recording: ActiveRecording): Promise<boolean> {
    const { deps } = this;
    const target = path.join(deps.dir, recording.file);
    let sizeBytes: number;
    try {
      sizeBytes = await deps.bridges.takeFile(recording.name, target);
    } catch (err) {
      // Taken out already by the process that stopped it before it could write the end.
      if (!fs.existsSync(target)) {
        deps.log.debug({ err, room: row.roomNumber, name: recording.name }, 'unfinished recording not in this Asterisk: left to its bridge process');
        return false;
      }
      sizeBytes = fs.statSync(target).size;
    }
    const length = wavMilliseconds(target);
    const endedAt = length === null ? this.now() : Math.min(this.now(), row.startedAt + length);
    await deps.store.finish(row.id, { endedAt, stoppedBy: 'room-empty', present: [...recording.present], sizeBytes });
    deps.log.info({ room: row.roomNumber, file: recording.file, sizeBytes, endedAt }, 'conference recording that ended while the app was away finished');
    return true;
  }

  /** Resolves once the file is in the recordings directory and listed. */
  async stop(roomNumber: string, stoppedBy: string): Promise<boolean> {
    const recording = await this.halt(roomNumber, stoppedBy);
    if (recording === null) return false;
    await recording.finalized;
    return true;
  }

  /** Every recording's file taken out of Asterisk (before a stop closes ARI). */
  async settled(): Promise<void> {
    await Promise.all([...this.finalizing]);
  }

  /** Asterisk stops recording; the file is taken out meanwhile (finalized). */
  private async halt(roomNumber: string, stoppedBy: string): Promise<ActiveRecording | null> {
    const recording = this.active.get(roomNumber);
    if (recording === undefined) return null;
    recording.stoppedBy = stoppedBy;
    await this.deps.bridges.stop(recording.name);
    return recording;
  }

  /** Asterisk reports a caller entering or leaving one of the room's bridges. */
  bridgeEvent(roomNumber: string, channelId: string, bridge: BridgeKind, entered: boolean): void {
    if (entered && bridge === 'live') this.active.get(roomNumber)?.present.add(channelId);
  }

  /** Recordings still running, stopped (a graceful stop of the bridge). */
  async stopAll(stoppedBy: string): Promise<void> {
    await Promise.all([...this.active.keys()].map((room) => this.stop(room, stoppedBy)));
  }

  /** The room's bridges, with any recording stopped before the room is released. */
  wrap(bridges: ConferenceBridges): ConferenceBridges {
    return {
      admitLive: (room, ids, stayMuted) => bridges.admitLive(room, ids, stayMuted),
      hold: (room, ids, prompt, then) => bridges.hold(room, ids, prompt, then),
      dismiss: (ids, prompt, reason: LegEndReason) => bridges.dismiss(ids, prompt, reason),
      // The recording ends before its bridge; the file is taken out while the room goes on.
      release: async (room) => {
        await this.halt(room, 'room-empty');
        await bridges.release(room);
      },
    };
  }

  private async finalize(roomNumber: string, recording: ActiveRecording): Promise<void> {
    const { deps } = this;
    if (this.active.get(roomNumber) === recording) this.active.delete(roomNumber);
    const endedAt = this.now();
    let sizeBytes: number | null = null;
    try {
      sizeBytes = await deps.bridges.takeFile(recording.name, path.join(deps.dir, recording.file));
    } catch (err) {
      if (recording.rowId !== null) {
        // Asterisk out of reach (an ARI cut): it may even record on. The next resync stops it and
        // takes the file out; the row gets this end then.
        this.unconfirmed.set(recording.rowId, { recording, endedAt });
        deps.log.warn({ err, room: roomNumber, name: recording.name }, 'conference recording stopped while Asterisk could not be reached: it is stopped again and taken out at the next resync');
        return;
      }
      this.leftInSpool(err, roomNumber, recording);
    }
    await this.writeEnd(roomNumber, recording, endedAt, sizeBytes);
  }

  private leftInSpool(err: unknown, roomNumber: string, recording: ActiveRecording): void {
    this.deps.log.error({ err, room: roomNumber, name: recording.name }, 'conference recording could not be taken out of Asterisk: it stays in the Asterisk spool');
  }

  private async writeEnd(roomNumber: string, recording: ActiveRecording, endedAt: number, sizeBytes: number | null): Promise<void> {
    const { deps } = this;
    if (recording.rowId !== null) {
      await deps.store
        .finish(recording.rowId, { endedAt, stoppedBy: recording.stoppedBy, present: [...recording.present], sizeBytes })
        .catch((err: unknown) => deps.log.error({ err, room: roomNumber, file: recording.file }, 'conference recording end not written to the database'));
    }
    deps.log.info({ room: roomNumber, file: recording.file, sizeBytes, stoppedBy: recording.stoppedBy }, 'conference recording ended');
  }

  /** A recording stopped while Asterisk was out of reach: stopped for sure now, its file taken out, its row ended when it was stopped. */
  private async confirmStop(roomNumber: string, pending: { recording: ActiveRecording; endedAt: number }): Promise<void> {
    const { deps } = this;
    const { recording, endedAt } = pending;
    if (recording.rowId !== null) this.unconfirmed.delete(recording.rowId);
    if ((await deps.bridges.adopt(recording.name)) === 'live') await deps.bridges.stop(recording.name);
    const sizeBytes = await deps.bridges.takeFile(recording.name, path.join(deps.dir, recording.file)).catch((err: unknown) => {
      this.leftInSpool(err, roomNumber, recording);
      return null;
    });
    await this.writeEnd(roomNumber, recording, endedAt, sizeBytes);
  }
}
