// The call's own types: what starts it, what it hears, where it stood before a restart, how it
// ends. The machines of flows/call/ share them; the router and the app see them through
// flows/call-machine.ts.
import type { IvrTiming } from '../../ivr/timing.js';
import type { CallOutcome, CallStep, RoomInfo } from '../ports.js';
import type { BridgeKind } from '../../domain/call-events.js';
import type { CallLimits } from '../../domain/limits.js';
import type { LegEndReason } from '../../domain/legs.js';
import type { NumberRoute } from '../../domain/numbers.js';
import type { Role } from '../../domain/roles.js';
import type { KeptStay } from '../recent-stays.js';
import type { KnownGuard } from '../pin-check.js';
import type { PlacementEvent, PlacementReport } from '../placement-watch.js';

/** What the room learns of a caller at entry. */
export interface JoinDetails {
  callerNumber?: string | null;
  /** The caller's recorded name (an Asterisk stored recording). */
  name?: string;
  /** Back after a dropped call within the rejoin window (flows/recent-stays.ts), with their own mute as it was. */
  rejoin?: { muted: boolean };
  /** The number the caller came in on (E.164): a callback they ask for is billed on its route. */
  dialled?: string;
}

export interface RoomMembership {
  /** `who`: the caller's number (the live view) and recorded name (the room announces, then deletes it). */
  join(room: RoomInfo, channelId: string, role: Role, who?: JoinDetails): void;
  /** A key pressed in the room: the room machine decides what it does (ivr/in-call-keys.ts). */
  key?(roomNumber: string, channelId: string, digit: string): void;
  /** Whether the room has the caller (false after a locked, full or ending room refused it). */
  admitted(roomNumber: string, channelId: string): boolean;
  /** `dropped`: the call dropped (farewell.ts droppedCall): the room keeps the stay for a rejoin. */
  leave(roomNumber: string, channelId: string, dropped?: boolean): void;
  /** The caller is not in the room's bridge it should be in: place it again. */
  replace(roomNumber: string, channelId: string): void;
}

/** An answered call picked up again after a restart or reconnect, at the step it stood at. */
export type CallResume = { accountId: number; answeredAt: number } & (
  | { step: 'enteringRoom' }
  | { step: 'enteringPin'; room: RoomInfo }
  /**
   * `placed`: Asterisk has it in the room's bridge and the room machine was restored with it;
   * `bridge`: which one (its placement watch starts there).
   */
  | { step: 'inRoom'; room: RoomInfo; role: Role; placed: boolean; bridge?: BridgeKind }
  | { step: 'goodbye' }
);

export interface CallInput {
  channelId: string;
  /** E.164, with its '+'. */
  dialled: string;
  callerNumber: string | null;
  resume?: CallResume;
  /** An answered callback (app/calls/callbacks.ts): the booking it claims, instead of the IVR. */
  callbackId?: string;
}

/** Which code a caller is typing. */
export type CodeKind = 'room' | 'pin';
export type EntryFailure = 'invalid' | 'no-input';

/** What the code step tells the call while it runs (metrics, the IVR's caps). */
export type CodeNews = { type: 'CODE.ENTERED'; code: CodeKind } | { type: 'CODE.FAILED'; code: CodeKind; failure: EntryFailure };

export type CallEvent =
  | { type: 'DTMF'; digit: string }
  /** The channel is gone; `reason` as the edge knows it (our own hang-up's reason, or Asterisk's cause). */
  | { type: 'HANGUP'; at: number; reason?: LegEndReason }
  /** The room ends this caller's stay (a key, the owner, its policy or limit): it says the goodbye and hangs up. */
  | { type: 'DISMISSED'; reason: LegEndReason }
  /** A graceful stop's drain limit passed. */
  | { type: 'SHUTDOWN' }
  | PlacementEvent
  | PlacementReport
  | CodeNews;

/** Why the call itself ends a call it answered: the farewell says the goodbye that fits. */
export type CallEnd =
  /** Too many failed attempts at `code` (null: resumed at its goodbye after a restart). */
  | { cause: 'failed'; code: CodeKind | null; lastFailure: EntryFailure | null }
  /** The caller, or every PIN kind of the room, is locked by the guessing limits. */
  | { cause: 'locked' }
  /** No consent to a recorded conference. */
  | { cause: 'kept-out' }
  /** A participant of a room at its monthly spend cap: never in the room. */
  | { cause: 'spend-cap' }
  | { cause: 'limit'; reason: 'bridge-failed' | 'moderator-wait-limit' | 'max-duration' }
  /** A graceful stop's drain limit passed. */
  | { cause: 'shutdown' };

/** Why a call is refused before answer: its SIP final response (404, 503 or 486). */
export type RefusalCause = 'unallocated' | 'unavailable' | 'busy';

/** How the admission ended (flows/call/admission.ts). */
export type AdmissionResult =
  /** Never answered: refused, rejected, or the caller hung up first. */
  | { kind: 'unanswered'; outcome: 'rejected' | 'refused' | 'busy' | 'abandoned' }
  /**
   * Answered with its leg open; `hangup`: the caller hung up meanwhile; `shutdown`: a stop's
   * drain limit passed meanwhile.
   */
  | { kind: 'answered'; route: NumberRoute; answeredAt: number; hangup: { at: number; reason?: LegEndReason } | null; shutdown: boolean }
  /** The answer or the leg's opening failed (logged): the call is hung up, its leg closed. */
  | { kind: 'failed'; hangup: { at: number; reason?: LegEndReason } | null };

/** The bridge's settings a call runs under (configuration, the same for every call of a router). */
export interface CallSettings {
  timing: IvrTiming;
  limits: CallLimits;
}

/** What the call machine is started with. */
export type CallMachineInput = CallInput & { settings: CallSettings };

export interface CallContext extends CallMachineInput {
  /** The account the dialled number belongs to (from the route, or the resumed call). */
  accountId: number | null;
  room: RoomInfo | null;
  role: Role | null;
  /** Digits typed while no entry step was listening (during a lookup): kept for the next. */
  pending: string;
  /** The last code step that failed an attempt, and how. */
  failed: { code: CodeKind; failure: EntryFailure } | null;
  answeredAt: number | null;
  endedAt: number | null;
  /** The admission's verdict on a call never answered. */
  unanswered: 'rejected' | 'refused' | 'busy' | 'abandoned' | null;
  /** The answer or the leg's opening failed. */
  broken: boolean;
  /** Why we end the call, once we decided to (the farewell's cause). */
  end: CallEnd | null;
  /** Why the room ended the caller's stay, if it did. */
  dismissed: LegEndReason | null;
  /** Why the channel went, as the HANGUP said. */
  hungUp: LegEndReason | null;
  /** The room has been told this caller left (once, whichever way the call ends). */
  leftRoom: boolean;
  /** The guessing limits as last read or written for this caller and room. */
  guard: KnownGuard | null;
  /** This call holds one of the places for calls not yet in a room. */
  holdsIvrPlace: boolean;
  /** Counted among the IVR's callers who failed an entry (once per call; given back with the place). */
  failedInIvr: boolean;
  /** The caller's recorded name (entry-steps.ts), handed to the room on joining. */
  nameRecording: string | null;
  /** The leg is being closed: no limit applies any more. */
  closing: boolean;
  /** The stay this caller left by a dropped call, taken up again (a rejoin: recent-stays.ts). */
  stay: KeptStay | null;
  /** The stay went to the room with the JOIN (its name is the room's from then on). */
  stayHanded: boolean;
}

/** What the call has counted (GET /metrics). */
export type CallObservation =
  | { what: 'placed'; bridge: BridgeKind }
  | { what: 'lockedOut' }
  | { what: 'pinEntered' }
  | { what: 'codeFailed'; code: CodeKind; failure: EntryFailure };

/**
 * The call's effects that answer nothing, asked of the one action port `perform` (the
 * composition root, flows/call/compose.ts, carries them out; tests record them).
 */
export type CallEffect =
  /** Where the caller stands, written on the channel for a restarted app. */
  | { op: 'mark'; step: CallStep }
  /** The room's language, for every prompt from now on. */
  | { op: 'speak'; language: string }
  /** Hang up, `reason` noted for the leg when given (a failed hang-up is logged). */
  | { op: 'hangUp'; reason?: LegEndReason }
  | { op: 'key'; room: string; digit: string }
  | { op: 'replace'; room: string }
  /** `dropped`: the call dropped, the room may keep the stay for a rejoin. */
  | { op: 'leave'; room: string; dropped: boolean }
  /** A stay taken up but never handed to the room (the caller went before entering): its name goes. */
  | { op: 'discardStay'; stay: KeptStay }
  /** The call's place among calls not yet in a room is given back; `failed`: it failed an entry. */
  | { op: 'leaveIvr'; failed: boolean }
  /** The call failed an entry while holding a place in the IVR (counted once). */
  | { op: 'failedInIvr' }
  | { op: 'observe'; observation: CallObservation };

export type { CallOutcome, CallStep };

/** A log line a machine asks for (the composition root writes it with pino, the call's channel id added). */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  err?: unknown;
  fields?: Record<string, string | number | boolean | null | undefined>;
}
