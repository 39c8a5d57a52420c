// The call machine's starting context and the small readings of it its states share.
import type { RoomInfo } from '../ports.js';
import type { Role } from '../../domain/roles.js';
import type { AdmissionResult, CallContext, CallEnd, CallMachineInput, JoinDetails, LogLine } from './types.js';

export function initialContext(input: CallMachineInput): CallContext {
  const resume = input.resume;
  return {
    ...input,
    accountId: resume?.accountId ?? null,
    room: resume !== undefined && 'room' in resume ? resume.room : null,
    role: resume?.step === 'inRoom' ? resume.role : null,
    pending: '',
    failed: null,
    answeredAt: resume?.answeredAt ?? null,
    endedAt: null,
    unanswered: null,
    broken: false,
    end: null,
    dismissed: null,
    hungUp: null,
    leftRoom: false,
    guard: null,
    holdsIvrPlace: false,
    failedInIvr: false,
    nameRecording: null,
    closing: false,
    stay: null,
    stayHanded: false,
  };
}

/** The step a resumed call re-enters (none: a new call). */
export type ResumeTarget = 'roomNumber' | 'pin' | 'inRoom' | 'resumedInRoom' | 'farewell' | null;

export function resumeTarget(context: Pick<CallContext, 'resume'>): ResumeTarget {
  const resume = context.resume;
  if (resume === undefined) return null;
  switch (resume.step) {
    case 'enteringRoom':
      return 'roomNumber';
    case 'enteringPin':
      return 'pin';
    case 'inRoom':
      return resume.placed ? 'resumedInRoom' : 'inRoom';
    case 'goodbye':
      return 'farewell';
  }
}

/**
 * The room once the room number was accepted (or the call resumed past it). The states that read
 * it are only reached with one: its absence is a fault of the machine, and fails the call loudly.
 */
export function roomOf(context: Pick<CallContext, 'room'>): RoomInfo {
  if (context.room === null) throw new Error('call machine: no room at a step that needs one');
  return context.room;
}

export function roleOf(context: Pick<CallContext, 'role'>): Role {
  if (context.role === null) throw new Error('call machine: no role at a step that needs one');
  return context.role;
}

export function endOf(context: Pick<CallContext, 'end'>): CallEnd {
  if (context.end === null) throw new Error('call machine: a farewell without its cause');
  return context.end;
}

/** What the farewell's start says in the log. */
export function farewellLine(context: CallContext): LogLine {
  const end = endOf(context);
  const room = context.room?.number ?? null;
  switch (end.cause) {
    case 'failed':
      return { level: 'info', msg: 'too many attempts: goodbye', fields: { code: end.code } };
    case 'locked':
      return { level: 'info', msg: 'PIN entry locked: entry unavailable, hanging up', fields: { room, callerNumber: context.callerNumber } };
    case 'kept-out':
      return { level: 'info', msg: 'no consent to the recording: kept out', fields: { room } };
    case 'spend-cap':
      return { level: 'info', msg: 'room at its monthly spend cap: participant refused', fields: { room } };
    case 'limit':
      return { level: 'info', msg: 'ending the call', fields: { reason: end.reason } };
    case 'shutdown':
      return { level: 'info', msg: 'bridge stopping: goodbye and hang-up', fields: { room } };
  }
}

/** What the call keeps of its answer; a hang-up meanwhile ends it, else a stop's drain limit passed meanwhile. */
export function answeredFacts(out: AdmissionResult & { kind: 'answered' }): Partial<CallContext> {
  const ended = out.hangup === null ? {} : { endedAt: out.hangup.at, hungUp: out.hangup.reason ?? null };
  const stopped: Partial<CallContext> = out.hangup === null && out.shutdown ? { end: { cause: 'shutdown' } } : {};
  return { accountId: out.route.accountId, answeredAt: out.answeredAt, holdsIvrPlace: true, ...ended, ...stopped };
}

/** What the room learns of the caller: number, name (recorded now, or the stay's), and a rejoin's mute. */
export function joinDetails(context: CallContext): JoinDetails {
  const name = context.stay?.name ?? context.nameRecording;
  return {
    callerNumber: context.callerNumber,
    dialled: context.dialled,
    ...(name === null ? {} : { name }),
    ...(context.stay === null ? {} : { rejoin: { muted: context.stay.muted } }),
  };
}
