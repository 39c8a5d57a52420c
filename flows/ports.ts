// The effects the machines ask for, as interfaces. flows/ knows these and nothing of
// ari-client or knex: bridge/ and db/ implement them, app/ wires them, tests fake them.

import type { RefusalCause } from '../domain/call-events.js';
import type { LegAssignment, LegEndReason, LegOpening, OpenLeg } from '../domain/legs.js';
import type { NumberRoute } from '../domain/numbers.js';
import type { Role } from '../domain/roles.js';
import type { ModeratorLeavePolicy, RoomAnnouncements } from '../domain/rooms.js';
import type { SpendLevel } from '../domain/spend-cap.js';

/** How a call ended, as the call machine reports it (its output; metrics count it). */
export type CallOutcome = 'rejected' | 'refused' | 'busy' | 'joined' | 'failed-room' | 'failed-pin' | 'locked-out' | 'spend-cap' | 'abandoned' | 'error';
export type PinCheck = Role | 'invalid';

export interface RoomInfo {
  id: number;
  number: string;
  accountId: number;
  language: string;
  onModeratorLeave: ModeratorLeavePolicy;
  locked: boolean;
  maxParticipants: number;
  pinsSet: boolean;
  /** The organization (account id) whose numbers also reach this room (its owner is a member); absent or null: none. */
  organizationId?: number | null;
  /** Tones, announcements, name recording and recording consent; absent: none of them. */
  announcements?: RoomAnnouncements;
  /** A participant waiting for the moderator may hang up and be called back when one arrives (the owner's setting). */
  callbackEnabled: boolean;
}

/** What an answered callback learns when it claims its booking (app/calls/callbacks.ts). */
export interface ClaimedCallback {
  room: RoomInfo;
  /** The number called (E.164 with '+'). */
  number: string;
  /** The route of the number the waiting call came in on: the callback leg is billed on it. */
  route: NumberRoute;
}

/** The booking desk, as an answered callback call sees it. */
export interface CallbackClaims {
  /** The booking of callback `id`, taken once; null: unknown, given up, taken, or its room or number gone. */
  claim(id: string): Promise<ClaimedCallback | null>;
}

/** Places a callback (bridge/callback-dialer.ts: ARI originate into the Stasis app with `callback,<id>`). */
export interface CallbackDialer {
  /** Rejects if Asterisk refuses the request; an unanswered call is Asterisk's to give up after `timeoutMs`. */
  dial(request: { id: string; number: string; callerId: string; timeoutMs: number }): Promise<void>;
}

/** Looks up numbers, rooms and PINs (db/ repositories). */
export interface Directory {
  routeFor(e164: string): Promise<NumberRoute | null>;
  /** Null for an unknown room and for a malformed number (bad check digit): no lookup then. */
  findRoom(roomNumber: string): Promise<RoomInfo | null>;
  verifyPin(roomId: number, pin: string): Promise<PinCheck>;
}

/** The usage ledger (db/): one leg per answered channel, keyed by Asterisk's channel id. */
export interface UsageLedger {
  openLeg(leg: LegOpening): Promise<void>;
  assign(channelId: string, assignment: LegAssignment): Promise<void>;
  /** Closes the leg at `endedAt`; the reason is written by the same statement. */
  closeLeg(channelId: string, endedAt: number, reason?: LegEndReason): Promise<void>;
}

/** A prompt being played to one channel. */
export interface PromptPlayback {
  /** Settles when the playback ends, is stopped, or fails. */
  finished: Promise<void>;
  /** Stops it if still playing (barge-in, or the state that wanted it was left). */
  stop(): void;
}

/** Operations on one caller's channel (bridge/ over ARI). */
export interface CallChannel {
  /**
   * Answers; resolves with the moment Asterisk put the channel Up (epoch ms, Asterisk's own
   * clock, the same clock as the hang-up time), or null when Asterisk did not report it.
   */
  answer(channelId: string): Promise<number | null>;
  /** Refuses a call that was never answered, with a SIP final response for the cause. */
  reject(channelId: string, cause: RefusalCause): Promise<void>;
  /**
   * Hangs up a caller; `reason` is why we did it, and comes back on that channel's hang-up
   * event (the adapter remembers it), so the leg is closed with it.
   */
  hangup(channelId: string, reason?: LegEndReason): Promise<void>;
  play(channelId: string, sounds: string[]): PromptPlayback;
  /**
   * The language of every prompt played to this caller from now on (the room's: Asterisk picks
   * sounds/<language>/<prompt>, English where a prompt has no recording in it). Prompts asked
   * for after this call are played after it has taken effect.
   */
  speak(channelId: string, language: string): void;
}

/**
 * What a room asks of Asterisk's bridges. Calls for one room are made one at a time, in
 * order (flows/room-registry.ts queues them), so they never race each other.
 */
export interface ConferenceBridges {
  /**
   * Into the room's mixing bridge (created if needed), moved out of holding if there. A bulk
   * move that Asterisk refuses whole (one of the channels hung up a moment before) is retried
   * for the channels still there. Resolving does not mean every channel is in: Asterisk's
   * ChannelEnteredBridge says that (the call machine waits for it). `stayMuted`: of those, the
   * ones the room keeps muted (a caller who waited muted is unmuted as they enter, unless named).
   */
  admitLive(room: string, channelIds: string[], stayMuted?: readonly string[]): Promise<void>;
  /**
   * On hold for the moderator with music, after the waiting prompt, hearing nobody and heard by
   * nobody. `then`: sounds after the prompt in the same playback (the callback offer).
   */
  hold(room: string, channelIds: string[], prompt: string | null, then?: string[]): Promise<void>;
  /** Each hears the prompt, then is hung up for `reason`. */
  dismiss(channelIds: string[], prompt: string, reason: LegEndReason): Promise<void>;
  /** The room is empty: its bridges go. */
  release(room: string): Promise<void>;
}

/**
 * Plays what a room announces (flows/room-announcements.ts). Each call resolves once Asterisk
 * was asked, not when the sound ends: a room's next bridge move must not wait for a tone.
 */
export interface RoomAnnouncer {
  /** To everyone in the room's live bridge, in `language`. */
  announce(room: string, sounds: string[], language: string): Promise<void>;
  /** To one caller in the room. */
  tell(channelId: string, sounds: string[]): Promise<void>;
  /** Music on hold in the live bridge, started or stopped. */
  music(room: string, on: boolean): Promise<void>;
  /** Deletes a name recording once the announcements asked for before it have played. */
  forgetName(name: string): Promise<void>;
}

/** A caller's name, recorded at entry (an Asterisk stored recording, played as recording:<name>). */
export interface NameRecorder {
  /**
   * "At the tone, please say your name", a beep, a few seconds of recording ('#' ends it early).
   * Resolves with the recording's name, or null when nothing was recorded (the caller is let in anyway).
   */
  record(channelId: string): Promise<string | null>;
  /** Deletes a name recording nobody will hear (the caller left before entering). */
  discard(name: string): Promise<void>;
}

/**
 * Where a room's spend this month stands against its owner's cap (app/calls/spend-caps.ts, over
 * the ledger): under, warning (80 % or more) or reached. Money stays out of the machines.
 */
export interface SpendCapCheck {
  levelOf(room: RoomInfo): Promise<SpendLevel>;
}

/** Without spend caps (unit tests that do not care): every room is under. */
export const NO_SPEND_CAP: SpendCapCheck = { levelOf: async () => 'under' };

/** Whether the bridge takes new calls: false from the moment a graceful stop begins. */
export interface Admission {
  accepting(): boolean;
}

export interface Clock {
  now(): number;
}

/** Asterisk's own record of calls (CEL/CDR), for legs whose end the app did not see. */
export interface CallRecords {
  endOf(channelId: string): Promise<number | null>;
}

/** The IVR step or room a caller is in: what a restarted app needs to put the call back where it stood. */
export type CallStep =
  | { step: 'enteringRoom' }
  | { step: 'enteringPin'; room: string }
  | { step: 'inRoom'; room: string; role: Role }
  | { step: 'goodbye' };

/** A caller's step with the facts of the answered call, written on the channel itself. */
export type CallMark = CallStep & { dialled: string; answeredAt: number; accountId: number };

/** Writes a call's mark on its channel (bridge/: a channel variable). Never on the caller's critical path. */
export interface CallMarks {
  mark(channelId: string, mark: CallMark): void;
}

/** A room's own in-call controls (not one caller's): locked by key 2 or the API, everyone muted. */
export interface RoomControlsState {
  lockedNow: boolean;
  mutedAll: boolean;
}

/** Keeps a room's controls where a restarted app reads them back (bridge/: an Asterisk global variable). */
export interface RoomMarks {
  mark(room: string, controls: RoomControlsState): void;
}

/** The ledger's open legs (db/), read when the app rebuilds its calls after a restart or reconnect. */
export interface LegRecovery {
  openLegs(): Promise<OpenLeg[]>;
}
/** Who is entering a PIN, as the guessing limits count it. */
export interface PinAttempt {
  room: RoomInfo;
  callerNumber: string | null;
}

/** The guessing limits' view of one PIN entry: which kinds are locked, and how hard it has been tried. */
export interface PinGuardStatus {
  /** Entry with the room's moderator / participant PIN is locked for now. */
  locked: Record<Role, boolean>;
  /** This calling number may enter no PIN, in any room, for now. */
  callerLocked: boolean;
  /** Failures counted so far in the current window (the most of the room's kinds and the caller's): sets the pause after a failure. */
  failures: number;
}

/**
 * PIN guessing limits (db/, shared by every process on the database): failures per room and
 * PIN kind, and per calling number across rooms; locks after too many. Read before PIN entry
 * and at each check; written only on a failure. The implementation tells the room's owner
 * and logs when a lock begins.
 */
export interface PinGuard {
  status(attempt: PinAttempt): Promise<PinGuardStatus>;
  /** Counts one failed PIN against `kinds` (those not locked) and the caller; the status after it. */
  recordFailure(attempt: PinAttempt & { kinds: Role[] }): Promise<PinGuardStatus>;
}

/** No PIN may be entered: the caller is locked, or every kind of the room is. */
export function entryBlocked(status: PinGuardStatus): boolean {
  return status.callerLocked || (status.locked.moderator && status.locked.participant);
}

/** Without guessing limits (unit tests that do not care): nothing is ever locked. */
export const OPEN_PIN_GUARD: PinGuard = {
  status: async () => ({ locked: { moderator: false, participant: false }, callerLocked: false, failures: 0 }),
  recordFailure: async () => ({ locked: { moderator: false, participant: false }, callerLocked: false, failures: 0 }),
};

/** This process's calls in the IVR: per dialled number, per calling number ('' for withheld), failed entries per dialled number. */
export interface IvrCounts {
  readonly perNumber: ReadonlyMap<string, number>;
  readonly perCaller: ReadonlyMap<string, number>;
  readonly failingPerNumber: ReadonlyMap<string, number>;
}

/**
 * The calls the other bridge processes on the database have in their IVR, so the IVR caps hold
 * for all of them together (app/calls/shared-ivr-counts.ts). Neither side waits on the
 * database: the counts come from a cache read in the background, and this process's changes
 * are published a moment later.
 */
export interface IvrCountsElsewhere {
  onNumber(dialled: string): number;
  fromCaller(callerNumber: string | null): number;
  failingOn(dialled: string): number;
  /** This process's counts changed; `mine` is read when they are published. */
  changed(mine: IvrCounts): void;
}

/** A process alone on its database (unit tests, benchmarks): nobody else counts. */
export const NOBODY_ELSE: IvrCountsElsewhere = { onNumber: () => 0, fromCaller: () => 0, failingOn: () => 0, changed: () => undefined };
