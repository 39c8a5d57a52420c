// Which rooms' callers wait for their moderator inside the live bridge (waiting-places.ts), kept
// in an Asterisk global variable, TOLLBRIDGE_HOLD_<room> = 1, so a restarted app tells waiting
// callers from an open room's (both stand in the same bridge) when it reads Asterisk back
// (ari-snapshot.ts). Written when a room starts and stops holding, one write at a time per room
// so the last one stays; not per caller.
import type { Logger } from 'pino';
import type { AriClientSource } from './ari-client-source.js';
import { PerRoomOrder } from './per-room-order.js';
import { readRoomGlobals } from './room-globals.js';

export const holdMarkVariable = (room: string): string => `TOLLBRIDGE_HOLD_${room}`;

export class HoldMarks {
  private readonly writes = new PerRoomOrder();
  /** Rooms marked waiting now: a room never marked costs no write when it ends. */
  private readonly marked = new Set<string>();

  constructor(
    private readonly ari: AriClientSource,
    private readonly log: Logger,
  ) {}

  /** Resolves once written (or its failure logged). */
  mark(room: string, waiting: boolean): Promise<void> {
    return this.writes.runOnChange(
      this.marked,
      room,
      waiting,
      () => this.ari.client.asterisk.setGlobalVar({ variable: holdMarkVariable(room), value: waiting ? '1' : '' }),
      (err) => this.log.warn({ err, room, waiting }, 'hold mark not written: a restart would take this room\'s callers as waiting or not wrongly'),
    );
  }

  /** After a resync: the rooms Asterisk has marked waiting. */
  know(rooms: Iterable<string>): void {
    this.marked.clear();
    for (const room of rooms) this.marked.add(room);
  }
}

/** Of these rooms, the ones marked waiting. */
export async function readHoldMarks(ari: AriClientSource, rooms: Iterable<string>, log: Logger): Promise<Set<string>> {
  const values = await readRoomGlobals(ari, rooms, holdMarkVariable, (err, room) => log.warn({ err, room }, 'hold mark unreadable: the room\'s callers are taken as in the conference'));
  return new Set([...values].filter(([, value]) => value === '1').map(([room]) => room));
}
