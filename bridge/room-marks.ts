// RoomMarks over ARI: a room's lock and mute-all are kept in an Asterisk global variable,
// TOLLBRIDGE_ROOM_<room>, beside the room's bridges, so a restarted app reads them back with
// the bridges (ari-snapshot.ts). They live and die with Asterisk, as the conference does.
// Writes are fire-and-forget, off the callers' path, one at a time per room so the last
// change is the one that stays.
import type { Logger } from 'pino';
import type { RoomControlsState, RoomMarks } from '../flows/ports.js';
import type { AriClientSource } from './ari-client-source.js';
import { PerRoomOrder } from './per-room-order.js';
import { readRoomGlobals } from './room-globals.js';

export const roomMarkVariable = (room: string): string => `TOLLBRIDGE_ROOM_${room}`;

/** `lockedNow=1&mutedAll=0`; '' for a room with neither (the variable is then empty). */
export function encodeRoomMark(controls: RoomControlsState): string {
  if (!controls.lockedNow && !controls.mutedAll) return '';
  return new URLSearchParams({ lockedNow: controls.lockedNow ? '1' : '0', mutedAll: controls.mutedAll ? '1' : '0' }).toString();
}

/** The controls in a variable's value; null when absent, empty or not ours. */
export function decodeRoomMark(value: string | undefined): RoomControlsState | null {
  if (value === undefined || value === '') return null;
  const f = new URLSearchParams(value);
  const lockedNow = f.get('lockedNow');
  const mutedAll = f.get('mutedAll');
  if ((lockedNow !== '0' && lockedNow !== '1') || (mutedAll !== '0' && mutedAll !== '1')) return null;
  return { lockedNow: lockedNow === '1', mutedAll: mutedAll === '1' };
}

export class AriRoomMarks implements RoomMarks {
  private readonly writes = new PerRoomOrder();

  constructor(
    private readonly ari: AriClientSource,
    private readonly log: Logger,
  ) {}

  mark(room: string, controls: RoomControlsState): void {
    void this.writes.run(
      room,
      () => this.ari.client.asterisk.setGlobalVar({ variable: roomMarkVariable(room), value: encodeRoomMark(controls) }),
      (err) => this.log.warn({ err, room, ...controls }, 'room mark not written: a restart would lose this room\'s lock or mute-all'),
    );
  }
}

/** The marks of these rooms, as Asterisk holds them (a room with none is left out). */
export async function readRoomMarks(ari: AriClientSource, rooms: Iterable<string>, log: Logger): Promise<Map<string, RoomControlsState>> {
  const values = await readRoomGlobals(ari, rooms, roomMarkVariable, (err, room) => log.warn({ err, room }, 'room mark unreadable: the room comes back unlocked and unmuted'));
  const marks = new Map<string, RoomControlsState>();
  for (const [room, value] of values) {
    const mark = decodeRoomMark(value);
    if (mark !== null) marks.set(room, mark);
  }
  return marks;
}
