// The owner's live view and controls of a room, over the room registry, with Asterisk's talk
// detection switched on for a room's members only while someone watches its event stream (it
// runs a DSP on each caller's audio; see bridge/in-room-events.ts).
import type { RoomRegistry, RoomWatcher } from '../../flows/room-registry.js';
import type { LiveRoom, RoomControl } from '../../flows/room-controls.js';

export interface TalkDetectionPort {
  set(channelIds: string[], on: boolean): void;
}

/** What the API's live routes use (api/live-routes.ts). */
export interface LiveControl {
  view(roomNumber: string): LiveRoom | null;
  /** False when nobody is in the room. */
  control(roomNumber: string, control: RoomControl): boolean;
  watch(roomNumber: string, watcher: RoomWatcher): () => void;
}

export class LiveRooms implements LiveControl {
  /** Per watched room: how many streams watch it, and the watcher that turns detection on for newcomers. */
  private readonly watched = new Map<string, { streams: number; unwatchJoins: () => void }>();

  constructor(
    private readonly rooms: RoomRegistry,
    private readonly talk: TalkDetectionPort,
  ) {}

  view(roomNumber: string): LiveRoom | null {
    return this.rooms.view(roomNumber);
  }

  control(roomNumber: string, control: RoomControl): boolean {
    return this.rooms.control(roomNumber, control);
  }

  watch(roomNumber: string, watcher: RoomWatcher): () => void {
    const room = this.watched.get(roomNumber) ?? this.startDetecting(roomNumber);
    room.streams++;
    const unwatch = this.rooms.watch(roomNumber, watcher);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      unwatch();
      if (--room.streams === 0) this.stopDetecting(roomNumber, room);
    };
  }

  private startDetecting(roomNumber: string): { streams: number; unwatchJoins: () => void } {
    this.talk.set(this.memberIds(roomNumber), true);
    const unwatchJoins = this.rooms.watch(roomNumber, (news) => {
      if (news.type === 'joined') this.talk.set([news.channelId], true);
    });
    const room = { streams: 0, unwatchJoins };
    this.watched.set(roomNumber, room);
    return room;
  }

  private stopDetecting(roomNumber: string, room: { unwatchJoins: () => void }): void {
    room.unwatchJoins();
    this.watched.delete(roomNumber);
    this.talk.set(this.memberIds(roomNumber), false);
  }

  private memberIds(roomNumber: string): string[] {
    return this.rooms.view(roomNumber)?.members.map((m) => m.channelId) ?? [];
  }
}
