// One caller's journey, from the carrier's INVITE to the end of the leg:
//
//   admitting ──the bridge is stopping──> refusing (SIP 503, never answered, no leg)
//      │
//   routing ──unknown/unsubscribed number──> rejecting (SIP 404, never answered, no leg)
//      │    ──lookup failed (our fault)──────> rejecting (SIP 503: the carrier may try elsewhere)
//      │       (the bridge began stopping during the lookup: refusing, 503)
//      │    ──too many calls not yet in a room, per number or caller──> rejecting (SIP 486 busy)
//   answering (answer at Asterisk's time, open the ledger leg; a hang-up here waits for the leg)
//      │
//   enteringRoom ⇄ checkingRoom   (3 attempts; unknown, foreign or mistyped room: same answer)
//      │
//   guarding (the guessing limits, one read: caller or every PIN kind locked -> lockedOut)
//      │
//   enteringPin  ⇄ checkingPin ─> pinPause (3 attempts; PINs not set counts as invalid; a wrong
//      │                                    PIN is counted, a pause that grows with the count)
//      │          checkingPin ──caller or every kind now locked──> lockedOut (prompt, hang up)
//   inRoom (the room's machine decides: live conference or hold for the moderator; keys go to it)
//
//   goodbye (after the last failed attempt) ─> we hang up
//   HANGUP at any step ─> closing (leave the room, close the leg at the real end time)
//
// After a restart or an ARI reconnect (app/resync.ts) a call already answered re-enters here
// through `resume`: `starting` picks the step it stood at (see resumeTarget below). A caller
// mid-IVR hears that step's prompt again; a caller already in a bridge stays there
// (`resumedInRoom`: no new join, the room machine was restored with them).
//   SHUTDOWN (a graceful stop's drain limit passed) once answered ─> stopping: the caller
//      hears goodbye, we hang up, and the leg closes at Asterisk's end time (or now)
// Limits and checked placement (flows/placement-watch.ts, TOLLBRIDGE_* limits):
//   inRoom: the placement watch follows Asterisk's ChannelEnteredBridge/LeftBridge: not in a
//           bridge in time -> the room places the caller again -> still not -> cutOff
//           (bridge-failed); on hold past the moderator wait -> cutOff (moderator-wait-limit)
//   any answered step past the maximum leg duration -> cutOff (max-duration); a call already
//           ending then (its goodbye or hang-up unanswered) -> hangingUp, reason unchanged
//   goodbye, lockedOut, keptOut, cutOff: a prompt whose end never comes (its PlaybackFinished
//           lost in an ARI reconnect) -> hung up after the IVR's prompt guard all the same
//   cutOff: a prompt, we hang up; then closing leaves the room and closes the leg with that reason
// Every leg closes with a reason (LegEndReason): ours when we ended it, otherwise the one the
// HANGUP event brings (the caller hung up, or Asterisk did: RTP or session timeout).
// Guessing limits (PinGuard, flows/pin-check.ts): calls answered and not yet in a room are capped
// per dialled number and per caller (over the cap: refused busy before answer); each room's PIN
// checks run one at a time in this process, so a lock set by one failure is seen by the next check.
import { and, assign, enqueueActions, fromPromise, sendTo, setup } from 'xstate';
import type { Logger } from 'pino';
import { Prompt, soundUri } from '../ivr/prompts.js';
import { PIN_MAX_DIGITS, ROOM_MAX_DIGITS, type IvrTiming } from '../ivr/timing.js';
import { createCollectMachine, type CollectOutput } from './collect-machine.js';
import { placementWatch, type PlacementEvent, type PlacementReport } from './placement-watch.js';
import { PinChecks, pauseAfterFailure, type KnownGuard, type PinVerdict } from './pin-check.js';
import { UnauthenticatedCalls } from './unauthenticated-calls.js';
import {
  entryBlocked,
  OPEN_PIN_GUARD,
  type Admission,
  type CallChannel,
  type CallOutcome,
  type CallMarks,
  type CallStep,
  type Clock,
  type Directory,
  type PinGuard,
  type NameRecorder,
  type RoomInfo,
  type UsageLedger,
} from './ports.js';
import { DEFAULT_CALL_LIMITS, NO_GUESSING_LIMITS, type CallLimits, type PinGuessingLimits } from '../domain/limits.js';
import type { BridgeKind } from '../domain/call-events.js';
import type { LegEndReason } from '../domain/legs.js';
import type { NumberRoute } from '../domain/numbers.js';
import type { Role } from '../domain/roles.js';
import { createEntrySteps, hasEntrySteps } from './entry-steps.js';
import type { RecordingControl } from './recording-control.js';
import { NO_CALL_OBSERVER, type CallObserver } from './call-observer.js';

/** What the room learns of a caller at entry. */
export interface JoinDetails {
  callerNumber?: string | null;
  /** The caller's recorded name (an Asterisk stored recording). */
  name?: string;
}

export interface RoomMembership {
  /** `who`: the caller's number (the live view) and recorded name (the room announces, then deletes it). */
  join(room: RoomInfo, channelId: string, role: Role, who?: JoinDetails): void;
  /** A key pressed in the room: the room machine decides what it does (ivr/in-call-keys.ts). */
  key?(roomNumber: string, channelId: string, digit: string): void;
  /** Whether the room has the caller (false after a locked, full or ending room refused it). */
  admitted(roomNumber: string, channelId: string): boolean;
  leave(roomNumber: string, channelId: string): void;
  /** The caller is not in the room's bridge it should be in: place it again. */
  replace(roomNumber: string, channelId: string): void;
}

export interface CallDeps {
  channel: CallChannel;
  directory: Directory;
  ledger: UsageLedger;
  rooms: RoomMembership;
  clock: Clock;
  timing: IvrTiming;
  log: Logger;
  /** Where each caller stands, written on the channel for a restarted app; none in unit tests that do not care. */
  marks?: CallMarks;
  /** Absent: always accepting (the router supplies it for graceful stops). */
  admission?: Admission;
  /** Limits on the stay (default DEFAULT_CALL_LIMITS). */
  limits?: CallLimits;
  /** PIN guessing limits shared through the database; absent: nothing is ever locked. */
  pinGuard?: PinGuard;
  /** The pause after a wrong PIN and the caps on calls still in the IVR (default NO_GUESSING_LIMITS: none). */
  guessing?: PinGuessingLimits;
  /** Records callers' names at entry in rooms that announce names; absent: no names. */
  names?: NameRecorder;
  /** Whether a room's conference is being recorded (its joiners hear so first); absent: never. */
  recording?: Pick<RecordingControl, 'isRecording'>;
  /** Counts failures and times the join for GET /metrics; absent: nothing is counted. */
  observer?: CallObserver;
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

/** A stop's goodbye prompt that never reports its end must not hold up the stop. */
export const STOP_PROMPT_GUARD_MS = 5_000;
/** After our hang-up, how long to wait for Asterisk's end time before closing the leg at ours. */
export const STOP_END_GUARD_MS = 2_000;

export interface CallInput {
  channelId: string;
  /** E.164, with its '+'. */
  dialled: string;
  callerNumber: string | null;
  resume?: CallResume;
}

export type { CallOutcome } from './ports.js';

export type CallEvent =
  | { type: 'DTMF'; digit: string }
  /** The channel is gone; `reason` as the edge knows it (our own hang-up's reason, or Asterisk's cause). */
  | { type: 'HANGUP'; at: number; reason?: LegEndReason }
  /** A graceful stop's drain limit passed. */
  | { type: 'SHUTDOWN' }
  | PlacementEvent
  | PlacementReport;

interface CallContext extends CallInput {
  route: NumberRoute | null;
  room: RoomInfo | null;
  role: Role | null;
  /** Digits typed while no entry step was listening (during a lookup): kept for the next. */
  pending: string;
  candidate: string;
  roomAttempts: number;
  pinAttempts: number;
  lastFailure: 'invalid' | 'no-input' | null;
  answeredAt: number | null;
  endedAt: number | null;
  hangupWhileAnswering: boolean;
  shutdownWhileAnswering: boolean;
  /** Why a call is refused before answer: its SIP final response (404 or 503). */
  refusal: RefusalCause;
  outcome: CallOutcome;
  /** Why the leg ends, once known; the leg is closed with it ('hangup' if nothing else is known). */
  endReason: LegEndReason | null;
  /** The room has been told this caller left (once, whichever way the call ends). */
  leftRoom: boolean;
  /** The guessing limits as last read or written for this caller and room. */
  guard: KnownGuard | null;
  /** The pause before the next PIN prompt (after a counted wrong PIN). */
  pauseMs: number;
  /** This call holds one of the places for calls not yet in a room. */
  holdsIvrPlace: boolean;
  /** Counted among the IVR's callers who failed an entry (once per call; given back with the place). */
  failedInIvr: boolean;
  /** The caller's recorded name (entry-steps.ts), handed to the room on joining. */
  nameRecording: string | null;
}

type RefusalCause = 'unallocated' | 'unavailable' | 'busy';

export function createCallMachine(deps: CallDeps) {
  const { channel, directory, ledger, rooms, clock, timing, log, marks } = deps;
  const admission = deps.admission ?? { accepting: () => true };

  /** Off the critical path: the mark is a fire-and-forget write on the channel. */
  const markStep = (context: CallContext, step: CallStep) => {
    const accountId = context.route?.accountId ?? context.resume?.accountId;
    if (marks === undefined || accountId === undefined || context.answeredAt === null) return;
    marks.mark(context.channelId, { ...step, dialled: context.dialled, answeredAt: context.answeredAt, accountId });
  };
  const limits = deps.limits ?? DEFAULT_CALL_LIMITS;
  const pinGuard = deps.pinGuard ?? OPEN_PIN_GUARD;
  const guessing = deps.guessing ?? NO_GUESSING_LIMITS;
  // Per process (this router): calls not yet in a room, and each room's PIN checks in order.
  const unauthenticated = new UnauthenticatedCalls(guessing);
  const pinChecks = new PinChecks({ directory, pinGuard, log });
  const recording = deps.recording ?? { isRecording: () => false };
  const observer = deps.observer ?? NO_CALL_OBSERVER;

  /** The first time the entry's prompts; after a failure, what went wrong (heard whole), then the entry's prompt. */
  const promptsFor = (first: string[], invalid: string, again: string, ctx: CallContext, attempts: number): { notice: string[]; prompts: string[] } => {
    if (attempts === 0) return { notice: [], prompts: first };
    return { notice: [ctx.lastFailure === 'invalid' ? invalid : Prompt.noInput], prompts: [again] };
  };

  /** In a room (inRoom, resumedInRoom): Asterisk's bridge reports go to the placement watch, its verdicts end the call. */
  const placementEvents = {
    BRIDGE_ENTERED: { actions: ['forwardToPlacementWatch', 'observePlacement'] },
    BRIDGE_LEFT: { actions: 'forwardToPlacementWatch' },
    'PLACEMENT.RETRY': { actions: 'askRoomToPlaceAgain' },
    'PLACEMENT.FAILED': { target: 'cutOff', actions: { type: 'endFor', params: { reason: 'bridge-failed' } } },
    'LIMIT.MODERATOR_WAIT': { target: 'cutOff', actions: { type: 'endFor', params: { reason: 'moderator-wait-limit' } } },
  } as const;

  return setup({
    types: {
      input: {} as CallInput,
      context: {} as CallContext,
      events: {} as CallEvent,
      output: {} as { outcome: CallOutcome },
    },
    actors: {
      collect: createCollectMachine(channel),
      route: fromPromise<NumberRoute | null, { dialled: string }>(({ input }) => directory.routeFor(input.dialled)),
      reject: fromPromise<void, { channelId: string; cause: RefusalCause }>(({ input }) => channel.reject(input.channelId, input.cause)),
      refuse: fromPromise<void, { channelId: string }>(({ input }) => channel.reject(input.channelId, 'unavailable')),
      answer: fromPromise<number, CallContext>(async ({ input }) => {
        // Asterisk's answer time: the leg's end comes from Asterisk's clock too (StasisEnd).
        const answeredAt = (await channel.answer(input.channelId)) ?? clock.now();
        const route = input.route;
        if (route !== null) {
          await ledger.openLeg({
            channelId: input.channelId,
            accountId: route.accountId,
            subscriptionId: route.subscriptionId,
            numberId: route.numberId,
            dialled: route.e164,
            callerNumber: input.callerNumber,
            answeredAt,
          });
        }
        return answeredAt;
      }),
      // A room of another account than the number's holder is as unknown as a missing one,
      // unless its owner is a member of the organization holding the number (the room row says
      // which: no extra lookup). An organization's own account has no room: nobody enters as it.
      findRoom: fromPromise<RoomInfo | null, { roomNumber: string; accountId: number }>(async ({ input }) => {
        const room = await directory.findRoom(input.roomNumber);
        return room !== null && (room.accountId === input.accountId || room.organizationId === input.accountId) ? room : null;
      }),
      guardStatus: fromPromise<KnownGuard, { room: RoomInfo; callerNumber: string | null }>(({ input }) => pinChecks.read(input)),
      checkPin: fromPromise<PinVerdict, { room: RoomInfo; pin: string; callerNumber: string | null; known: KnownGuard | null }>(({ input }) => pinChecks.check(input)),
      // A caller the room refused keeps a leg without a role: it never took part.
      assignLeg: fromPromise<void, { channelId: string; roomId: number; role: Role; admitted: boolean }>(async ({ input }) => {
        if (input.admitted) await ledger.assign(input.channelId, { roomId: input.roomId, role: input.role });
      }),
      goodbye: fromPromise<void, { channelId: string; sounds: string[]; reason: LegEndReason }>(async ({ input }) => {
        await channel.play(input.channelId, input.sounds.map(soundUri)).finished;
        await channel.hangup(input.channelId, input.reason);
      }),
      closeLeg: fromPromise<void, { channelId: string; endedAt: number; answered: boolean; reason: LegEndReason }>(async ({ input }) => {
        if (input.answered) await ledger.closeLeg(input.channelId, input.endedAt, input.reason);
      }),
      placementWatch,
      entrySteps: createEntrySteps({ channel, names: deps.names, timing }),
    },
    delays: {
      // From the answer: a call resumed after a restart has only what is left of its limit.
      maxLeg: ({ context }) => (context.answeredAt === null ? limits.maxLegMs : Math.max(0, limits.maxLegMs - Math.max(0, clock.now() - context.answeredAt))),
      promptGuard: () => timing.promptGuardMs,
      stopPromptGuard: STOP_PROMPT_GUARD_MS,
      pinPause: ({ context }) => context.pauseMs,
      stopEndGuard: STOP_END_GUARD_MS,
    },
    guards: {
      stopping: () => !admission.accepting(),
      roomAttemptsLeft: ({ context }) => context.roomAttempts < timing.maxAttempts,
      pinAttemptsLeft: ({ context }) => context.pinAttempts < timing.maxAttempts,
      ivrFull: ({ context }) => !unauthenticated.hasRoom(context.dialled, context.callerNumber),
      // Answered, still connected, and the limit is on.
      maxLegApplies: ({ context }) => limits.maxLegMs > 0 && context.answeredAt !== null && context.endedAt === null,
      endDecided: ({ context }) => context.endReason !== null,
    },
    actions: {
      bufferDigit: assign(({ context, event }) => (event.type === 'DTMF' ? { pending: context.pending + event.digit } : {})),
      forwardDigit: sendTo('collector', ({ event }) => event),
      // The first reason decided wins: a limit we acted on stays the reason even if the caller hangs up during its prompt.
      noteHangup: assign(({ context, event }) =>
        event.type === 'HANGUP' ? { endedAt: event.at, endReason: context.endReason ?? event.reason ?? 'hangup' } : {},
      ),
      endFor: assign((_, params: { reason: LegEndReason }) => ({ endReason: params.reason })),
      forwardToPlacementWatch: sendTo('placementWatch', ({ event }) => event),
      observePlacement: ({ context, event }) => {
        if (event.type === 'BRIDGE_ENTERED') observer.placed(context.channelId, event.bridge);
      },
      // In the room a key is the room's business (mute, count, a moderator's controls).
      pressKey: ({ context, event }) => {
        if (event.type === 'DTMF' && context.room !== null) rooms.key?.(context.room.number, context.channelId, event.digit);
      },
      askRoomToPlaceAgain: ({ context }) => {
        if (context.room === null) return;
        log.warn({ channelId: context.channelId, room: context.room.number }, 'caller not in the room bridge in time: placing again');
        rooms.replace(context.room.number, context.channelId);
      },
      leaveRoom: enqueueActions(({ context, enqueue }) => {
        if (context.leftRoom || context.role === null || context.room === null) return;
        const roomNumber = context.room.number;
        enqueue(() => rooms.leave(roomNumber, context.channelId));
        enqueue.assign({ leftRoom: true });
      }),
      takeIvrPlace: enqueueActions(({ context, enqueue }) => {
        if (context.holdsIvrPlace) return;
        unauthenticated.enter(context.dialled, context.callerNumber);
        enqueue.assign({ holdsIvrPlace: true });
      }),
      giveIvrPlaceBack: enqueueActions(({ context, enqueue }) => {
        if (!context.holdsIvrPlace) return;
        unauthenticated.leave(context.dialled, context.callerNumber, context.failedInIvr);
        enqueue.assign({ holdsIvrPlace: false, failedInIvr: false });
      }),
      noteIvrFailure: enqueueActions(({ context, enqueue }) => {
        if (!context.holdsIvrPlace || context.failedInIvr) return;
        unauthenticated.failed(context.dialled);
        enqueue.assign({ failedInIvr: true });
      }),
      hangUpAnyway: ({ context }) => {
        channel.hangup(context.channelId).catch((err: unknown) => log.debug({ err, channelId: context.channelId }, 'hang-up failed: channel gone'));
      },
      // A goodbye whose PlaybackFinished never came (lost in an ARI reconnect), or whose hang-up
      // went unanswered: the call must not wait for ever.
      promptUnheard: ({ context }) => log.warn({ channelId: context.channelId, reason: context.endReason, afterMs: timing.promptGuardMs }, 'call still up a prompt guard after its goodbye began: hanging up'),
    },
  }).createMachine({
    id: 'call',
    context: ({ input }) => ({
      ...input,
      route: null,
      room: input.resume !== undefined && 'room' in input.resume ? input.resume.room : null,
      role: input.resume?.step === 'inRoom' ? input.resume.role : null,
      pending: '',
      candidate: '',
      roomAttempts: 0,
      pinAttempts: 0,
      lastFailure: null,
      answeredAt: input.resume?.answeredAt ?? null,
      endedAt: null,
      hangupWhileAnswering: false,
      shutdownWhileAnswering: false,
      refusal: 'unallocated',
      outcome: input.resume?.step === 'inRoom' ? 'joined' : 'abandoned',
      endReason: null,
      leftRoom: false,
      guard: null,
      pauseMs: 0,
      holdsIvrPlace: false,
      failedInIvr: false,
      nameRecording: null,
    }),
    initial: 'starting',
    on: {
      HANGUP: { target: '.closing', actions: 'noteHangup' },
      DTMF: { actions: 'bufferDigit' },
      SHUTDOWN: { target: '.stopping' },
    },
    after: {
      // A call already ending (its goodbye stuck, its hang-up unanswered) is still ended by the
      // limit: hung up, and its leg closed with the reason decided first.
      maxLeg: [
        { guard: and(['maxLegApplies', 'endDecided']), target: '.hangingUp', actions: 'hangUpAnyway' },
        { guard: 'maxLegApplies', target: '.cutOff', actions: { type: 'endFor', params: { reason: 'max-duration' } } },
      ],
    },
    states: {
      // A new call is routed; a resumed one goes straight back to its step.
      starting: {
        always: [
          { guard: ({ context }) => context.resume === undefined, target: 'admitting' },
          { guard: ({ context }) => resumeTarget(context.resume) === 'enteringRoom', target: 'enteringRoom' },
          { guard: ({ context }) => resumeTarget(context.resume) === 'enteringPin', target: 'enteringPin' },
          { guard: ({ context }) => resumeTarget(context.resume) === 'inRoom', target: 'inRoom' },
          { guard: ({ context }) => resumeTarget(context.resume) === 'resumedInRoom', target: 'resumedInRoom' },
          { target: 'goodbye' },
        ],
      },
      admitting: {
        always: [{ guard: 'stopping', target: 'refusing' }, { target: 'routing' }],
      },
      routing: {
        // Not answered yet: a stop that begins now refuses the call when the lookup returns.
        on: { HANGUP: { target: 'finished', actions: 'noteHangup' }, SHUTDOWN: {} },
        invoke: {
          src: 'route',
          input: ({ context }) => ({ dialled: context.dialled }),
          onDone: [
            { guard: 'stopping', target: 'refusing' },
            { guard: ({ event }) => event.output === null, target: 'rejecting' },
            {
              guard: 'ivrFull',
              target: 'rejecting',
              actions: [
                assign({ refusal: 'busy', outcome: 'busy' }),
                ({ context }) => log.warn({ channelId: context.channelId, dialled: context.dialled, callerNumber: context.callerNumber }, 'too many calls not yet in a room: refused busy'),
              ],
            },
            { target: 'answering', actions: [assign({ route: ({ event }) => event.output }), 'takeIvrPlace'] },
          ],
          onError: {
            target: 'rejecting',
            actions: [
              assign({ refusal: 'unavailable' }),
              ({ context, event }) => log.error({ err: event.error, channelId: context.channelId }, 'number lookup failed: refused with 503'),
            ],
          },
        },
      },
      rejecting: {
        entry: ({ context }) => {
          if (context.refusal === 'unallocated') log.info({ channelId: context.channelId, dialled: context.dialled }, 'number not in service: rejected');
        },
        on: { HANGUP: { target: 'finished' }, SHUTDOWN: {} },
        invoke: {
          src: 'reject',
          input: ({ context }) => ({ channelId: context.channelId, cause: context.refusal }),
          onDone: { target: 'finished', actions: assign({ outcome: ({ context }) => (context.refusal === 'busy' ? 'busy' : 'rejected') }) },
          onError: { target: 'finished', actions: assign({ outcome: ({ context }) => (context.refusal === 'busy' ? 'busy' : 'rejected') }) },
        },
      },
      refusing: {
        entry: ({ context }) => log.info({ channelId: context.channelId, dialled: context.dialled }, 'bridge stopping: call refused (SIP 503)'),
        on: { HANGUP: { target: 'finished' }, SHUTDOWN: {} },
        invoke: {
          src: 'refuse',
          input: ({ context }) => ({ channelId: context.channelId }),
          onDone: { target: 'finished', actions: assign({ outcome: 'refused' }) },
          onError: {
            target: 'finished',
            actions: [assign({ outcome: 'refused' }), ({ context, event }) => log.warn({ err: event.error, channelId: context.channelId }, 'refusing the call failed')],
          },
        },
      },
      answering: {
        // The leg must exist before it can be closed: a hang-up or a stop now is noted and handled after.
        on: {
          HANGUP: { actions: ['noteHangup', assign({ hangupWhileAnswering: true })] },
          SHUTDOWN: { actions: assign({ shutdownWhileAnswering: true }) },
        },
        invoke: {
          src: 'answer',
          input: ({ context }) => context,
          onDone: [
            { guard: ({ context }) => context.hangupWhileAnswering, target: 'closing', actions: assign({ answeredAt: ({ event }) => event.output }) },
            { guard: ({ context }) => context.shutdownWhileAnswering, target: 'stopping', actions: assign({ answeredAt: ({ event }) => event.output }) },
            { target: 'enteringRoom', actions: assign({ answeredAt: ({ event }) => event.output }) },
          ],
          onError: {
            target: 'closing',
            actions: [
              assign({ outcome: 'error', endReason: 'error', answeredAt: ({ context }) => context.answeredAt ?? clock.now() }),
              ({ context, event }) => log.error({ err: event.error, channelId: context.channelId }, 'answer or leg opening failed'),
              ({ context }) => void channel.hangup(context.channelId, 'error').catch(() => undefined),
            ],
          },
        },
      },
      // No mark here: a restarted app resumes an answered channel with an open leg and no mark
      // at the room entry anyway (app/resync-plan.ts), so the mark would cost each caller a
      // request for nothing.
      enteringRoom: {
        on: { DTMF: { actions: 'forwardDigit' } },
        invoke: {
          id: 'collector',
          src: 'collect',
          input: ({ context }) => ({
            channelId: context.channelId,
            ...promptsFor([Prompt.greeting, Prompt.enterRoom], Prompt.invalidRoom, Prompt.enterRoom, context, context.roomAttempts),
            buffer: context.pending,
            maxDigits: ROOM_MAX_DIGITS,
            timing,
          }),
          onDone: [
            {
              guard: ({ event }) => event.output.kind === 'complete',
              target: 'checkingRoom',
              actions: assign(({ event }) => takeEntry(event.output)),
            },
            { target: 'roomFailed', actions: assign(({ event }) => failEntry(event.output)) },
          ],
        },
      },
      checkingRoom: {
        invoke: {
          src: 'findRoom',
          input: ({ context }) => ({ roomNumber: context.candidate, accountId: context.route?.accountId ?? context.resume?.accountId ?? -1 }),
          onDone: [
            { guard: ({ event }) => event.output !== null, target: 'guarding', actions: assign({ room: ({ event }) => event.output }) },
            // A mistyped room: keys typed after it (the PIN, likely) must not become the next room attempt.
            { target: 'roomFailed', actions: assign({ lastFailure: 'invalid', pending: '' }) },
          ],
          onError: {
            target: 'roomFailed',
            actions: [
              assign({ lastFailure: 'invalid' }),
              ({ context, event }) => log.error({ err: event.error, channelId: context.channelId }, 'room lookup failed'),
            ],
          },
        },
      },
      // One read of the guessing limits: a locked caller or room gets no PIN attempt at all.
      // From here on the caller hears the room's language (asked once per call; the channel
      // keeps it, across a restart of the app too).
      guarding: {
        entry: ({ context }) => channel.speak(context.channelId, (context.room as RoomInfo).language),
        invoke: {
          src: 'guardStatus',
          input: ({ context }) => ({ room: context.room as RoomInfo, callerNumber: context.callerNumber }),
          onDone: [
            { guard: ({ event }) => entryBlocked(event.output.status), target: 'lockedOut', actions: assign({ guard: ({ event }) => event.output }) },
            { target: 'enteringPin', actions: assign({ guard: ({ event }) => event.output }) },
          ],
          onError: {
            // The limits cannot be read: entry goes on (each PIN check reads them again).
            target: 'enteringPin',
            actions: ({ context, event }) => log.error({ err: event.error, channelId: context.channelId }, 'PIN guessing limits could not be read'),
          },
        },
      },
      lockedOut: {
        entry: [
          () => observer.lockedOut(),
          assign({ outcome: 'locked-out', endReason: 'refused' }),
          ({ context }) => log.info({ channelId: context.channelId, room: context.room?.number ?? null, callerNumber: context.callerNumber }, 'PIN entry locked: entry unavailable, hanging up'),
          ({ context }) => markStep(context, { step: 'goodbye' }),
        ],
        invoke: {
          src: 'goodbye',
          input: ({ context }) => ({ channelId: context.channelId, sounds: [Prompt.locked, Prompt.goodbye], reason: 'refused' as const }),
          onError: { actions: ({ context }) => void channel.hangup(context.channelId, 'refused').catch(() => undefined) },
        },
        on: { DTMF: {}, SHUTDOWN: {} },
        after: { promptGuard: { actions: ['promptUnheard', 'hangUpAnyway'] } },
      },
      roomFailed: {
        entry: [assign({ roomAttempts: ({ context }) => context.roomAttempts + 1, outcome: 'failed-room' }), 'noteIvrFailure', ({ context }) => observer.roomNumberFailed(context.lastFailure ?? 'no-input')],
        always: [{ guard: 'roomAttemptsLeft', target: 'enteringRoom' }, { target: 'goodbye' }],
      },
      enteringPin: {
        entry: ({ context }) => markStep(context, { step: 'enteringPin', room: (context.room as RoomInfo).number }),
        on: { DTMF: { actions: 'forwardDigit' } },
        invoke: {
          id: 'collector',
          src: 'collect',
          input: ({ context }) => ({
            channelId: context.channelId,
            ...promptsFor([Prompt.enterPin], Prompt.invalidPin, Prompt.enterPin, context, context.pinAttempts),
            buffer: context.pending,
            maxDigits: PIN_MAX_DIGITS,
            timing,
          }),
          onDone: [
            {
              guard: ({ event }) => event.output.kind === 'complete',
              target: 'checkingPin',
              actions: assign(({ event }) => takeEntry(event.output)),
            },
            { target: 'pinFailed', actions: assign(({ event }) => failEntry(event.output)) },
          ],
        },
      },
      checkingPin: {
        entry: ({ context }) => observer.pinEntered(context.channelId),
        invoke: {
          src: 'checkPin',
          input: ({ context }) => ({ room: context.room as RoomInfo, pin: context.candidate, callerNumber: context.callerNumber, known: context.guard }),
          onDone: [
            {
              guard: ({ event }) => event.output.verdict === 'moderator' || event.output.verdict === 'participant',
              target: 'beforeRoom',
              actions: assign({ role: ({ event }) => (event.output.verdict === 'moderator' || event.output.verdict === 'participant' ? event.output.verdict : null), candidate: '', outcome: 'joined' }),
            },
            { guard: ({ event }) => event.output.verdict === 'locked', target: 'lockedOut', actions: assign({ candidate: '' }) },
            {
              // Keys typed ahead after a wrong PIN are dropped: the next PIN waits for the pause and the prompt.
              target: 'pinFailed',
              actions: assign(({ context, event }) => {
                const out = event.output;
                const known = out.verdict === 'invalid' ? out.known : context.guard;
                return {
                  lastFailure: 'invalid' as const,
                  candidate: '',
                  pending: '',
                  guard: known,
                  pauseMs: out.verdict === 'invalid' && out.counted ? pauseAfterFailure(known?.status ?? null, guessing) : 0,
                };
              }),
            },
          ],
          onError: {
            target: 'pinFailed',
            actions: [
              assign({ lastFailure: 'invalid', candidate: '' }),
              ({ context, event }) => log.error({ err: event.error, channelId: context.channelId }, 'PIN check failed'),
            ],
          },
        },
      },
      pinFailed: {
        entry: [assign({ pinAttempts: ({ context }) => context.pinAttempts + 1, outcome: 'failed-pin' }), 'noteIvrFailure', ({ context }) => observer.pinFailed(context.lastFailure ?? 'no-input')],
        always: [{ guard: 'pinAttemptsLeft', target: 'pinPause' }, { target: 'goodbye' }],
      },
      // After a counted wrong PIN the next prompt waits, longer with every failure counted; keys pressed meanwhile are dropped.
      pinPause: {
        on: { DTMF: {} },
        always: { guard: ({ context }) => context.pauseMs <= 0, target: 'enteringPin' },
        after: { pinPause: { target: 'enteringPin', actions: assign({ pauseMs: 0, pending: '' }) } },
      },
      // A room that records now, or announces names, has steps before it (entry-steps.ts); others none.
      beforeRoom: {
        always: [
          { guard: ({ context }) => hasEntrySteps(context.room as RoomInfo, recording.isRecording((context.room as RoomInfo).number), deps.names), target: 'entering' },
          { target: 'inRoom' },
        ],
      },
      entering: {
        on: { DTMF: { actions: sendTo('entrySteps', ({ event }) => event) } },
        invoke: {
          id: 'entrySteps',
          src: 'entrySteps',
          input: ({ context }) => ({ channelId: context.channelId, room: context.room as RoomInfo, recording: recording.isRecording((context.room as RoomInfo).number) }),
          onDone: [
            { guard: ({ event }) => event.output.admitted, target: 'inRoom', actions: assign({ nameRecording: ({ event }) => event.output.name }) },
            { target: 'keptOut' },
          ],
          onError: {
            target: 'inRoom',
            actions: ({ context, event }) => log.error({ err: event.error, channelId: context.channelId }, 'entry steps failed: the caller enters without them'),
          },
        },
      },
      // No consent to a recorded conference: goodbye, never in the room (the leg carries no role).
      keptOut: {
        entry: [
          assign({ outcome: 'refused', endReason: 'refused', role: null }),
          ({ context }) => log.info({ channelId: context.channelId, room: context.room?.number ?? null }, 'no consent to the recording: kept out'),
          ({ context }) => markStep(context, { step: 'goodbye' }),
        ],
        invoke: {
          src: 'goodbye',
          input: ({ context }) => ({ channelId: context.channelId, sounds: [Prompt.goodbye], reason: 'refused' as const }),
          onError: { actions: ({ context }) => void channel.hangup(context.channelId, 'refused').catch(() => undefined) },
        },
        on: { DTMF: {}, SHUTDOWN: {} },
        after: { promptGuard: { actions: ['promptUnheard', 'hangUpAnyway'] } },
      },
      inRoom: {
        // Into the room first (every millisecond is heard), then the ledger learns the role.
        entry: [({ context }) => {
          const room = context.room as RoomInfo;
          log.info({ channelId: context.channelId, room: room.number, role: context.role }, 'caller admitted');
          // The mark's request goes out first (not awaited), so Asterisk rarely has the caller in a bridge unmarked.
          markStep(context, { step: 'inRoom', room: room.number, role: context.role as Role });
          rooms.join(room, context.channelId, context.role as Role, { callerNumber: context.callerNumber, ...(context.nameRecording === null ? {} : { name: context.nameRecording }) });
        }, 'giveIvrPlaceBack'],
        invoke: [
          {
            src: 'assignLeg',
            // Read after the entry's JOIN: the room has already admitted or refused the caller.
            input: ({ context }) => {
              const room = context.room as RoomInfo;
              return { channelId: context.channelId, roomId: room.id, role: context.role as Role, admitted: rooms.admitted(room.number, context.channelId) };
            },
            onError: { actions: ({ context, event }) => log.error({ err: event.error, channelId: context.channelId }, 'ledger assign failed') },
          },
          { id: 'placementWatch', src: 'placementWatch', input: { limits } },
        ],
        on: { DTMF: { actions: 'pressKey' }, ...placementEvents },
      },
      // We end the call: a prompt, hang up; the HANGUP that follows leaves the room and closes the
      // leg with endReason. The caller stays in the room meanwhile: leaving first could empty it,
      // and destroying its bridge would cut the prompt.
      cutOff: {
        entry: ({ context }) => log.info({ channelId: context.channelId, reason: context.endReason }, 'ending the call'),
        invoke: {
          src: 'goodbye',
          input: ({ context }) => ({
            channelId: context.channelId,
            sounds: context.endReason === 'bridge-failed' ? [Prompt.bridgeFailed, Prompt.goodbye] : [Prompt.limitReached, Prompt.goodbye],
            reason: context.endReason ?? 'error',
          }),
          onError: { actions: ({ context }) => void channel.hangup(context.channelId, context.endReason ?? 'error').catch(() => undefined) },
        },
        on: { DTMF: {}, BRIDGE_ENTERED: {}, BRIDGE_LEFT: {} },
        after: { promptGuard: { actions: ['promptUnheard', 'hangUpAnyway'] } },
      },
      // Resumed in the bridge Asterisk already had it in: the room machine knows it, the ledger has
      // its role. Its placement is watched from that bridge on, as in inRoom.
      resumedInRoom: {
        invoke: {
          id: 'placementWatch',
          src: 'placementWatch',
          input: ({ context }) => ({ limits, where: context.resume?.step === 'inRoom' ? (context.resume.bridge ?? null) : null }),
        },
        on: { DTMF: { actions: 'pressKey' }, ...placementEvents },
      },
      goodbye: {
        entry: [
          { type: 'endFor', params: { reason: 'goodbye' } },
          ({ context }) => log.info({ channelId: context.channelId, outcome: context.outcome }, 'too many attempts: goodbye'),
          ({ context }) => markStep(context, { step: 'goodbye' }),
        ],
        invoke: {
          src: 'goodbye',
          input: ({ context }) => ({
            channelId: context.channelId,
            sounds: context.lastFailure === 'invalid' ? [context.outcome === 'failed-pin' ? Prompt.invalidPin : Prompt.invalidRoom, Prompt.goodbye] : [Prompt.goodbye],
            reason: 'goodbye' as const,
          }),
          onError: { actions: ({ context }) => void channel.hangup(context.channelId, 'goodbye').catch(() => undefined) },
        },
        on: { DTMF: {}, SHUTDOWN: {} },
        after: { promptGuard: { actions: ['promptUnheard', 'hangUpAnyway'] } },
      },
      stopping: {
        entry: [
          { type: 'endFor', params: { reason: 'shutdown' } },
          ({ context }) => log.info({ channelId: context.channelId, room: context.room?.number ?? null }, 'bridge stopping: goodbye and hang-up'),
        ],
        on: { DTMF: {}, SHUTDOWN: {} },
        initial: 'farewell',
        states: {
          farewell: {
            invoke: {
              src: 'goodbye',
              input: ({ context }) => ({ channelId: context.channelId, sounds: [Prompt.goodbye], reason: 'shutdown' as const }),
              onDone: 'hungUp',
              onError: { target: 'hungUp', actions: 'hangUpAnyway' },
            },
            after: { stopPromptGuard: { target: 'hungUp', actions: 'hangUpAnyway' } },
          },
          // Asterisk's StasisEnd (HANGUP, handled at the top) carries the real end; without it
          // the leg ends now rather than staying open after the app has gone.
          hungUp: {
            after: { stopEndGuard: { target: '#call.closing', actions: assign({ endedAt: () => clock.now() }) } },
          },
        },
      },
      // Past the maximum leg while already ending: hung up again; Asterisk's StasisEnd (HANGUP)
      // brings the real end, and without it the leg closes now.
      hangingUp: {
        entry: ({ context }) => log.warn({ channelId: context.channelId, reason: context.endReason }, 'maximum leg duration passed while the call was ending: hanging up'),
        on: { DTMF: {}, SHUTDOWN: {}, BRIDGE_ENTERED: {}, BRIDGE_LEFT: {} },
        after: { stopEndGuard: { target: 'closing', actions: assign({ endedAt: () => clock.now() }) } },
      },
      closing: {
        // Ended from here on: the maximum leg limit no longer applies.
        entry: [assign({ endedAt: ({ context }) => context.endedAt ?? clock.now() }), 'leaveRoom', 'giveIvrPlaceBack'],
        on: { HANGUP: {}, DTMF: {}, SHUTDOWN: {}, BRIDGE_ENTERED: {}, BRIDGE_LEFT: {} },
        invoke: {
          src: 'closeLeg',
          input: ({ context }) => ({
            channelId: context.channelId,
            endedAt: context.endedAt ?? clock.now(),
            answered: context.answeredAt !== null,
            reason: context.endReason ?? 'hangup',
          }),
          onDone: 'finished',
          onError: {
            target: 'finished',
            actions: ({ context, event }) => log.error({ err: event.error, channelId: context.channelId }, 'closing the leg failed: it stays open for recovery'),
          },
        },
      },
      finished: { type: 'final' },
    },
    output: ({ context }) => ({ outcome: context.outcome }),
  });
}

/** The state a resumed call re-enters. */
function resumeTarget(resume: CallResume | undefined): 'enteringRoom' | 'enteringPin' | 'inRoom' | 'resumedInRoom' | 'goodbye' | null {
  if (resume === undefined) return null;
  if (resume.step === 'inRoom') return resume.placed ? 'resumedInRoom' : 'inRoom';
  return resume.step;
}

function takeEntry(output: CollectOutput): Partial<CallContext> {
  return output.kind === 'complete' ? { candidate: output.value, pending: output.rest } : {};
}

function failEntry(output: CollectOutput): Partial<CallContext> {
  // Keys typed after a wrong entry are dropped: the next attempt starts after the prompt.
  return output.kind === 'invalid' ? { lastFailure: 'invalid', pending: '' } : { lastFailure: 'no-input', pending: '' };
}
