// The call machine with its ports: the channel, the directory, the ledger, the rooms, the
// guessing limits and the metrics, provided to each step's machine (flows/call/journey.ts).
// The router (flows/call-router.ts) runs one actor of it per call; tests provide fakes the same way.
import { fromPromise } from 'xstate';
import type { Logger } from 'pino';
import { Prompt, soundUri } from '../../ivr/prompts.js';
import type { IvrTiming } from '../../ivr/timing.js';
import { NO_CALL_OBSERVER, type CallObserver } from '../call-observer.js';
import { createCollectMachine } from '../collect-machine.js';
import { createEntrySteps, hasEntrySteps } from '../entry-steps.js';
import { PinChecks, pauseAfterFailure } from '../pin-check.js';
import type { RecordingControl } from '../recording-control.js';
import { UnauthenticatedCalls } from '../unauthenticated-calls.js';
import { NO_SPEND_CAP, OPEN_PIN_GUARD, type Admission, type CallChannel, type CallMarks, type Clock, type Directory, type IvrCountsElsewhere, type NameRecorder, type PinGuard, type RoomInfo, type CallbackClaims, type SpendCapCheck, type UsageLedger } from '../ports.js';
import { DEFAULT_CALL_LIMITS, NO_GUESSING_LIMITS, type CallLimits, type PinGuessingLimits } from '../../domain/limits.js';
import type { LegEndReason } from '../../domain/legs.js';
import type { Role } from '../../domain/roles.js';
import { admissionMachine } from './admission.js';
import type { CheckVerdict } from './code-step.js';
import { farewellMachine, type GoodbyeRequest, type HangUpAnyway } from './farewell.js';
import { callSetup, pinCodeStep, roomCodeStep, type CallbackAnswer, type JoinRequest, type SpendCheckRequest } from './call-setup.js';
import type { RecentStays } from '../recent-stays.js';
import { callMachine } from './journey.js';
import type { CallContext, CallEffect, CallSettings, LogLine, RoomMembership } from './types.js';

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
  /** The other bridge processes' calls in their IVR, counted against the same caps; absent: none. */
  ivrElsewhere?: IvrCountsElsewhere;
  /** Records callers' names at entry in rooms that announce names; absent: no names. */
  names?: NameRecorder;
  /** Whether a room's conference is being recorded (its joiners hear so first); absent: never. */
  recording?: Pick<RecordingControl, 'isRecording'>;
  /** Counts failures and times the join for GET /metrics; absent: nothing is counted. */
  observer?: CallObserver;
  /** The stays of dropped callers, for a rejoin (the rooms keep them there); absent: nobody rejoins. */
  stays?: Pick<RecentStays, 'take' | 'discard'>;
  /** Rooms' monthly spend caps (app/calls/spend-caps.ts); absent: no room has one. */
  spendCap?: SpendCapCheck;
  /** The callback desk (app/calls/callbacks.ts) an answered callback claims its booking from; absent: none is ever claimed. */
  callbacks?: CallbackClaims;
}

/** The settings every call of these deps runs under (part of each call's input). */
export function callSettings(deps: Pick<CallDeps, 'timing' | 'limits'>): CallSettings {
  return { timing: deps.timing, limits: deps.limits ?? DEFAULT_CALL_LIMITS };
}

function write(log: Logger, channelId: string, line: LogLine): void {
  log[line.level]({ channelId, ...line.fields, ...(line.err === undefined ? {} : { err: line.err }) }, line.msg);
}

export function createCallMachine(deps: CallDeps) {
  const { channel, directory, ledger, rooms, clock, timing, log, marks } = deps;
  const admission = deps.admission ?? { accepting: () => true };
  const guessing = deps.guessing ?? NO_GUESSING_LIMITS;
  // Calls not yet in a room (this router's, plus the other processes' as last published), and
  // each room's PIN checks in order.
  const unauthenticated = new UnauthenticatedCalls(guessing, deps.ivrElsewhere);
  const pinChecks = new PinChecks({ directory, pinGuard: deps.pinGuard ?? OPEN_PIN_GUARD, log });
  const recording = deps.recording ?? { isRecording: () => false };
  const observer = deps.observer ?? NO_CALL_OBSERVER;
  const spendCap = deps.spendCap ?? NO_SPEND_CAP;
  const collect = createCollectMachine(channel);
  /** Plays to its end; the step that asked for it being left stops it. */
  const playToEnd = async (channelId: string, media: string[], signal: AbortSignal): Promise<void> => {
    const playback = channel.play(channelId, media);
    signal.addEventListener('abort', () => playback.stop());
    await playback.finished;
  };
  const hangUp = (channelId: string, reason: LegEndReason | undefined) =>
    channel.hangup(channelId, reason).catch((err: unknown) => log.debug({ err, channelId }, 'hang-up failed: channel gone'));

  /** Off the critical path: the mark is a fire-and-forget write on the channel. */
  const perform = (context: CallContext, effect: CallEffect): void => {
    const { channelId } = context;
    switch (effect.op) {
      case 'mark':
        if (marks !== undefined && context.accountId !== null && context.answeredAt !== null) {
          marks.mark(channelId, { ...effect.step, dialled: context.dialled, answeredAt: context.answeredAt, accountId: context.accountId });
        }
        return;
      case 'speak':
        return channel.speak(channelId, effect.language);
      case 'hangUp':
        void hangUp(channelId, effect.reason);
        return;
      case 'key':
        return rooms.key?.(effect.room, channelId, effect.digit);
      case 'replace':
        return rooms.replace(effect.room, channelId);
      case 'leave':
        return rooms.leave(effect.room, channelId, effect.dropped);
      case 'discardStay':
        return deps.stays?.discard(effect.stay);
      case 'leaveIvr':
        return unauthenticated.leave(context.dialled, context.callerNumber, effect.failed);
      case 'failedInIvr':
        return unauthenticated.failed(context.dialled);
      case 'observe': {
        const o = effect.observation;
        if (o.what === 'placed') observer.placed(channelId, o.bridge);
        else if (o.what === 'lockedOut') observer.lockedOut();
        else if (o.what === 'pinEntered') observer.pinEntered(channelId);
        else if (o.code === 'room') observer.roomNumberFailed(o.failure);
        else observer.pinFailed(o.failure);
        return;
      }
    }
  };

  const logAs = ({ context }: { context: { channelId: string } }, line: LogLine) => write(log, context.channelId, line);
  const checkFailed = (_: unknown, p: { channelId: string; code: 'room' | 'pin'; error: unknown }) =>
    log.error({ err: p.error, channelId: p.channelId }, p.code === 'room' ? 'room lookup failed' : 'PIN check failed');

  return callMachine.provide({
    actors: {
      admission: admissionMachine.provide({
        actors: {
          route: fromPromise(({ input }) => directory.routeFor(input.dialled)),
          reject: fromPromise(({ input }) => channel.reject(input.channelId, input.cause)),
          answer: fromPromise(async ({ input }) => {
            const route = input.route;
            if (route === null) throw new Error('no route to open the leg on');
            // Asterisk's answer time: the leg's end comes from Asterisk's clock too (StasisEnd).
            const answeredAt = (await channel.answer(input.channelId)) ?? clock.now();
            await ledger.openLeg({
              channelId: input.channelId, accountId: route.accountId, subscriptionId: route.subscriptionId, numberId: route.numberId,
              dialled: route.e164, callerNumber: input.callerNumber, answeredAt,
            });
            return answeredAt;
          }),
        },
        guards: {
          accepting: () => admission.accepting(),
          ivrHasRoom: ({ context }) => unauthenticated.hasRoom(context.dialled, context.callerNumber),
        },
        actions: {
          takeIvrPlace: ({ context }) => unauthenticated.enter(context.dialled, context.callerNumber),
          log: logAs,
        },
      }),
      roomCode: roomCodeStep.provide({
        actors: {
          collect,
          // A room of another account than the number's holder is as unknown as a missing one,
          // unless its owner is a member of the organization holding the number (the room row says
          // which: no extra lookup). An organization's own account has no room: nobody enters as it.
          check: fromPromise(async ({ input }): Promise<CheckVerdict<RoomInfo>> => {
            const room = await directory.findRoom(input.code);
            const ours = room !== null && (room.accountId === input.subject.accountId || room.organizationId === input.subject.accountId);
            return ours ? { verdict: 'accepted', value: room } : { verdict: 'invalid', known: null, pauseMs: 0 };
          }),
        },
        actions: { checkFailed },
      }),
      pinCode: pinCodeStep.provide({
        actors: {
          collect,
          check: fromPromise(async ({ input }): Promise<CheckVerdict<Role>> => {
            const out = await pinChecks.check({ room: input.subject.room, callerNumber: input.subject.callerNumber, pin: input.code, known: input.known });
            if (out.verdict === 'locked') return { verdict: 'locked', known: out.known };
            if (out.verdict === 'invalid') return { verdict: 'invalid', known: out.known, pauseMs: out.counted ? pauseAfterFailure(out.known?.status ?? null, guessing) : 0 };
            return { verdict: 'accepted', value: out.verdict };
          }),
        },
        actions: { checkFailed },
      }),
      guardStatus: fromPromise(({ input }) => pinChecks.read(input)),
      // The callback leg starts at Asterisk's answer, which is just before its StasisStart.
      callbackAnswer: fromPromise(async ({ input }: { input: { channelId: string; callbackId: string } }): Promise<CallbackAnswer | null> => {
        const answeredAt = clock.now();
        const claimed = (await deps.callbacks?.claim(input.callbackId)) ?? null;
        if (claimed === null) return null;
        const { route } = claimed;
        await ledger.openLeg({
          channelId: input.channelId, accountId: route.accountId, subscriptionId: route.subscriptionId, numberId: route.numberId,
          dialled: route.e164, callerNumber: claimed.number, answeredAt, legKind: 'callback',
        });
        return { room: claimed.room, accountId: route.accountId, dialled: route.e164, callerNumber: claimed.number, answeredAt };
      }),
      announce: fromPromise(async ({ input, signal }: { input: { channelId: string; sounds: string[] }; signal: AbortSignal }) => {
        // The channel port bounds `finished` itself: a PlaybackFinished lost in a reconnect keeps nobody out.
        await playToEnd(input.channelId, input.sounds.map(soundUri), signal);
      }),
      entrySteps: createEntrySteps({ channel, names: deps.names, timing, recording: (room) => recording.isRecording(room), log }),
      // A participant is refused at the cap; a moderator enters, hearing the warning first at 80 % or more.
      spendCheck: fromPromise(async ({ input, signal }: { input: SpendCheckRequest; signal: AbortSignal }) => {
        const level = await spendCap.levelOf(input.room);
        if (input.role === 'participant') return { admitted: level !== 'reached' };
        if (level !== 'under') {
          await playToEnd(input.channelId, [soundUri(Prompt.spendCapWarning)], signal);
        }
        return { admitted: true };
      }),
      // The room answers whether it took the caller (false: locked, full or ending).
      joinRoom: fromPromise(async ({ input }: { input: JoinRequest }) => {
        rooms.join(input.room, input.channelId, input.role, input.who);
        return { admitted: rooms.admitted(input.room.number, input.channelId) };
      }),
      assignLeg: fromPromise(({ input: { channelId, ...assignment } }) => ledger.assign(channelId, assignment)),
      farewell: farewellMachine.provide({
        actors: {
          goodbye: fromPromise(async ({ input }: { input: GoodbyeRequest }) => {
            await channel.play(input.channelId, input.sounds.map(soundUri)).finished;
            await channel.hangup(input.channelId, input.reason);
          }),
        },
        actions: {
          hangUpAnyway: (_, p: HangUpAnyway) => {
            if (p.why === 'unheard') log.warn({ channelId: p.channelId, afterMs: timing.promptGuardMs }, 'call still up a prompt guard after its goodbye began: hanging up');
            else log.warn({ channelId: p.channelId, reason: p.reason }, 'goodbye failed: hanging up');
            void hangUp(p.channelId, p.reason);
          },
        },
      }),
      closeLeg: fromPromise(async ({ input }) => {
        if (input.answered) await ledger.closeLeg(input.channelId, input.endedAt ?? clock.now(), input.reason);
      }),
    },
    actions: {
      perform: ({ context }, effect: CallEffect) => perform(context, effect),
      log: logAs,
      recallStay: callSetup.assign({ stay: ({ context }) => (context.room === null || context.role === null ? null : (deps.stays?.take(context.room.number, context.callerNumber, context.role) ?? null)) }),
    },
    guards: {
      entryStepsDue: ({ context }) => context.room !== null && hasEntrySteps(context.room, recording.isRecording(context.room.number), deps.names, context.stay !== null),
    },
    delays: {
      // From the answer: a call resumed after a restart has only what is left of its limit.
      maxLeg: ({ context }) => {
        const { maxLegMs } = context.settings.limits;
        return context.answeredAt === null ? maxLegMs : Math.max(0, maxLegMs - Math.max(0, clock.now() - context.answeredAt));
      },
    },
  });
}
