// The call machine's ports (actors and actions provided by flows/call/compose.ts, or by tests)
// and the named guards and actions its states share (flows/call/journey.ts draws the states).
import { assign, fromPromise, sendTo, setup } from 'xstate';
import type { RoomInfo } from '../ports.js';
import type { LegAssignment, LegEndReason } from '../../domain/legs.js';
import type { Role } from '../../domain/roles.js';
import type { KnownGuard } from '../pin-check.js';
import { placementWatch } from '../placement-watch.js';
import { entryStepsMachine } from '../entry-steps.js';
import { admissionMachine } from './admission.js';
import { codeStep } from './code-step.js';
import { endOf, farewellLine } from './context.js';
import { droppedCall, farewellMachine, goodbyeFor, STOP_END_GUARD_MS } from './farewell.js';
import type { CallContext, CallEffect, CallEnd, CallEvent, CallOutcome, CallMachineInput, JoinDetails, LogLine } from './types.js';

export const roomCodeStep = codeStep<{ accountId: number }, RoomInfo>();
export const pinCodeStep = codeStep<{ room: RoomInfo; callerNumber: string | null }, Role>();

/** What the `joinRoom` port is asked: put the caller into the room; it answers whether the room took them. */
export interface JoinRequest {
  room: RoomInfo;
  channelId: string;
  role: Role;
  who: JoinDetails;
}

/** What the `spendCheck` port is asked: may this caller enter the room, given its spend cap (a moderator is warned on the way). */
export interface SpendCheckRequest {
  channelId: string;
  room: RoomInfo;
  role: Role;
}

/** An answered callback with its leg open: the room it joins, billed on `route`, as the number called. */
export interface CallbackAnswer {
  room: RoomInfo;
  accountId: number;
  dialled: string;
  callerNumber: string;
  answeredAt: number;
}

const notProvided = (port: string) => () => Promise.reject(new Error(`the ${port} port was not provided`));

const withPorts = setup({
  types: {
    input: {} as CallMachineInput,
    context: {} as CallContext,
    events: {} as CallEvent,
    output: {} as { outcome: CallOutcome },
  },
  actors: {
    admission: admissionMachine,
    roomCode: roomCodeStep,
    pinCode: pinCodeStep,
    guardStatus: fromPromise<KnownGuard, { room: RoomInfo; callerNumber: string | null }>(notProvided('guardStatus')),
    /** An answered callback claims its booking and opens its leg (null: nothing to claim; Asterisk's answer time otherwise). */
    callbackAnswer: fromPromise<CallbackAnswer | null, { channelId: string; callbackId: string }>(notProvided('callbackAnswer')),
    /** Plays `sounds` to the caller and settles when they end (a stop or failure settles too). */
    announce: fromPromise<void, { channelId: string; sounds: string[] }>(notProvided('announce')),
    entrySteps: entryStepsMachine,
    spendCheck: fromPromise<{ admitted: boolean }, SpendCheckRequest>(notProvided('spendCheck')),
    joinRoom: fromPromise<{ admitted: boolean }, JoinRequest>(notProvided('joinRoom')),
    assignLeg: fromPromise<void, { channelId: string } & LegAssignment>(notProvided('assignLeg')),
    placementWatch,
    farewell: farewellMachine,
    /** `endedAt` null: the leg ends now (the port's clock). */
    closeLeg: fromPromise<void, { channelId: string; endedAt: number | null; answered: boolean; reason: LegEndReason }>(notProvided('closeLeg')),
  },
  actions: {
    perform: (_, _effect: CallEffect) => undefined,
    log: (_, _line: LogLine) => undefined,
    /** After the PIN: the stay this caller left by a dropped call, if any (the composition takes it from recent-stays.ts). */
    recallStay: assign((_, _params: undefined) => ({})),
  },
  guards: {
    /** The room asks for entry steps now (it records, or announces names). */
    entryStepsDue: () => false,
  },
  delays: {
    /** From the answer: the composition root gives a resumed call only what is left of its limit. */
    maxLeg: ({ context }) => context.settings.limits.maxLegMs,
    stopEndGuard: STOP_END_GUARD_MS,
  },
});


export const callSetup = withPorts.extend({
  guards: {
    // Answered, still connected, and the limit is on.
    maxLegApplies: ({ context }) => context.settings.limits.maxLegMs > 0 && context.answeredAt !== null && context.endedAt === null && !context.closing,
    endDecided: ({ context }) => context.end !== null,
    endsAtLimit: ({ context }) => context.end?.cause === 'limit',
  },
  actions: {
    endFor: assign((_, end: CallEnd) => ({ end })),
    spendCapUnread: withPorts.enqueueActions(({ event, enqueue }) => {
      if ('error' in event) enqueue({ type: 'log', params: { level: 'error', msg: 'spend cap could not be read: the caller enters', err: event.error } });
    }),
    bufferDigit: assign({ pending: ({ context, event }) => (event.type === 'DTMF' ? context.pending + event.digit : context.pending) }),
    noteHangup: assign(({ event }) => (event.type === 'HANGUP' ? { endedAt: event.at, hungUp: event.reason ?? null } : {})),
    forwardToPlacementWatch: sendTo('placementWatch', ({ event }) => event),
    observePlacement: withPorts.enqueueActions(({ event, enqueue }) => {
      if (event.type === 'BRIDGE_ENTERED') enqueue({ type: 'perform', params: { op: 'observe', observation: { what: 'placed', bridge: event.bridge } } });
    }),
    // In the room a key is the room's business (mute, count, a moderator's controls).
    pressKey: withPorts.enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'DTMF' && context.room !== null) enqueue({ type: 'perform', params: { op: 'key', room: context.room.number, digit: event.digit } });
    }),
    askRoomToPlaceAgain: withPorts.enqueueActions(({ context, enqueue }) => {
      if (context.room === null) return;
      enqueue({ type: 'log', params: { level: 'warn', msg: 'caller not in the room bridge in time: placing again', fields: { room: context.room.number } } });
      enqueue({ type: 'perform', params: { op: 'replace', room: context.room.number } });
    }),
    codeFailed: withPorts.enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'CODE.FAILED') return;
      enqueue.assign({ failed: { code: event.code, failure: event.failure } });
      enqueue({ type: 'perform', params: { op: 'observe', observation: { what: 'codeFailed', code: event.code, failure: event.failure } } });
      if (!context.holdsIvrPlace || context.failedInIvr) return;
      enqueue({ type: 'perform', params: { op: 'failedInIvr' } });
      enqueue.assign({ failedInIvr: true });
    }),
    leaveRoom: withPorts.enqueueActions(({ context, enqueue }) => {
      if (context.stay !== null && !context.stayHanded) enqueue({ type: 'perform', params: { op: 'discardStay', stay: context.stay } });
      if (context.leftRoom || context.role === null || context.room === null) return;
      enqueue({ type: 'perform', params: { op: 'leave', room: context.room.number, dropped: context.callerNumber !== null && droppedCall(context) } });
      enqueue.assign({ leftRoom: true });
    }),
    giveIvrPlaceBack: withPorts.enqueueActions(({ context, enqueue }) => {
      if (!context.holdsIvrPlace) return;
      enqueue({ type: 'perform', params: { op: 'leaveIvr', failed: context.failedInIvr } });
      enqueue.assign({ holdsIvrPlace: false, failedInIvr: false });
    }),
    sayGoodbye: withPorts.enqueueActions(({ context, enqueue }) => {
      const end = endOf(context);
      enqueue({ type: 'log', params: farewellLine(context) });
      if (end.cause === 'locked') enqueue({ type: 'perform', params: { op: 'observe', observation: { what: 'lockedOut' } } });
      if (goodbyeFor(end).marked) enqueue({ type: 'perform', params: { op: 'mark', step: { step: 'goodbye' } } });
    }),
  },
})
