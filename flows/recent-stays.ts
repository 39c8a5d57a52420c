// Rejoin where you left: a caller whose call dropped (not one who pressed leave, was removed or
// was ended by the room: flows/call/farewell.ts decides) is remembered for the rejoin window with
// what the room knew of them: role, their own mute, recorded name. Calling back from the same
// number into the same room with the same role's PIN within the window brings that back (no
// second name recording; the others hear the name and "back in" rather than a new join), and
// the new leg names the one it continues.
// Kept in this process's memory: a room is mixed by one process, and a restart forgets the
// stays (the caller then joins as new). A stay's name recording is the stay's until it is taken
// or expires, then deleted (unless the room keeps recordings: the room said so when keeping it).
import type { Role } from '../domain/roles.js';

/** The rejoin window. */
export const REJOIN_WINDOW_MS = 120_000;

export interface KeptStay {
  /** The channel of the call that dropped: the new leg's `rejoinOf`. */
  channelId: string;
  callerNumber: string;
  role: Role;
  /** Muted by their own key (or by a moderator, one by one): not the room's mute-all. */
  muted: boolean;
  name: string | null;
  /** Delete the name when the stay expires (false: the room keeps recordings). */
  forgetName: boolean;
}

export interface RecentStaysOptions {
  windowMs?: number;
  now?: () => number;
  /** Deletes an expired stay's name recording. */
  forgetName?: (name: string) => void;
  /** Runs `fn` after `ms` (unref'd: a stay never keeps the process up); default setTimeout. */
  schedule?: (fn: () => void, ms: number) => () => void;
}

const unrefTimeout = (fn: () => void, ms: number): (() => void) => {
  const timer = setTimeout(fn, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

interface Entry {
  stay: KeptStay;
  leftAt: number;
  cancel: () => void;
}

export class RecentStays {
  private readonly stays = new Map<string, Entry>();
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly schedule: (fn: () => void, ms: number) => () => void;

  constructor(private readonly options: RecentStaysOptions = {}) {
    this.windowMs = options.windowMs ?? REJOIN_WINDOW_MS;
    this.now = options.now ?? Date.now;
    this.schedule = options.schedule ?? unrefTimeout;
  }

  /** The caller's call dropped out of `room`: remembered for the window (a newer drop replaces an older one). */
  keep(room: string, stay: KeptStay): void {
    const key = keyOf(room, stay.callerNumber);
    this.drop(key);
    const cancel = this.schedule(() => this.drop(key), this.windowMs);
    this.stays.set(key, { stay, leftAt: this.now(), cancel });
  }

  /** The stay this caller left in `room` within the window with the same role; taken (it is theirs now). */
  take(room: string, callerNumber: string | null, role: Role): KeptStay | null {
    if (callerNumber === null) return null;
    const key = keyOf(room, callerNumber);
    const entry = this.stays.get(key);
    if (entry === undefined) return null;
    if (entry.stay.role !== role || this.now() - entry.leftAt > this.windowMs) return null;
    entry.cancel();
    this.stays.delete(key);
    return entry.stay;
  }

  /** A stay taken but never handed to the room (the caller hung up before entering): its name goes. */
  discard(stay: KeptStay): void {
    if (stay.name !== null && stay.forgetName) this.options.forgetName?.(stay.name);
  }

  get size(): number {
    return this.stays.size;
  }

  private drop(key: string): void {
    const entry = this.stays.get(key);
    if (entry === undefined) return;
    entry.cancel();
    this.stays.delete(key);
    this.discard(entry.stay);
  }
}

const keyOf = (room: string, callerNumber: string) => `${room}\n${callerNumber}`;
