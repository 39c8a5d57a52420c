// One caller's journey, each step its own machine (flows/call/*.ts) with typed input and output:
//
//   admission (admission.ts: refuse, reject or answer and open the leg)
//      │
//   roomNumber (code-step.ts: the room number, 3 attempts; unknown, foreign or mistyped: same answer)
//      │
//   pin: guarding (the guessing limits, one read: caller or every PIN kind locked -> farewell)
//      │  entering (code-step.ts again: the PIN, 3 attempts, a pause that grows after each counted failure)
//      │
//   spendCheck (the room's monthly spend cap: a participant of a room at its cap -> farewell; a moderator warned at 80 %)
//      │
//   admitted (a stay the caller's dropped call left in this room is taken up: a rejoin, recent-stays.ts)
//      │
//   entrySteps (entry-steps.ts: recording notice and consent, the caller's name; only where the room asks)
//      │
//   inRoom (the room's machine decides: live conference or hold for the moderator; keys go to it;
//           placement-watch.ts follows Asterisk's bridge events and the moderator-wait limit)
//
//   farewell (farewell.ts: the one goodbye for each way we end the call: too many attempts,
//             locked, no consent, a limit, a stop) -> we hang up
//   callingBack (an answered callback, booked by a waiting participant's key 7: no IVR, no PIN)
//      │ callbackGreeting ("entering conference number ...") -> spendCheck -> admitted -> ...
//   HANGUP at any step -> closing (leave the room, close the leg at the real end time, with its reason)
//
// After a restart or an ARI reconnect (app/calls/resync.ts) a call already answered re-enters here
// through `resume`: `starting` picks the step it stood at. A caller mid-IVR hears that step's
// prompt again; a caller already in a bridge stays there (`resumedInRoom`: no new join, the room
// machine was restored with them); a caller at its goodbye hears goodbye again.
// Any answered step past the maximum leg duration -> farewell (max-duration); a call already ending
// then (its goodbye or hang-up unanswered) -> hangingUp, reason unchanged.
// The outcome is read once, from where the call ended (farewell.ts outcomeOf), and so is the
// leg's end reason (endReasonOf): ours, else the room's (DISMISSED), else the HANGUP's.
import { and, assign, sendTo } from 'xstate';
import { PIN_MAX_DIGITS, ROOM_MAX_DIGITS } from '../../ivr/timing.js';
import { entryBlocked } from '../ports.js';
import { callSetup } from './call-setup.js';
import { callbackStates } from './callback-states.js';
import { PIN_PROMPTS, ROOM_PROMPTS } from './code-step.js';
import { answeredFacts, endOf, initialContext, joinDetails, resumeTarget, roleOf, roomOf, type ResumeTarget } from './context.js';
import { endReasonOf, goodbyeFor, outcomeOf } from './farewell.js';
import type { CallContext, CallEnd } from './types.js';

const resumedAt = (target: ResumeTarget) => ({ context }: { context: CallContext }) => resumeTarget(context) === target;
const endFor = (end: CallEnd) => ({ type: 'endFor' as const, params: end });

/** In a room (inRoom, resumedInRoom): Asterisk's bridge reports go to the placement watch, its verdicts end the call. */
const PLACEMENT = {
  BRIDGE_ENTERED: { actions: ['forwardToPlacementWatch', 'observePlacement'] },
  BRIDGE_LEFT: { actions: 'forwardToPlacementWatch' },
  'PLACEMENT.RETRY': { actions: 'askRoomToPlaceAgain' },
  'PLACEMENT.FAILED': { target: '#call.farewell', actions: endFor({ cause: 'limit', reason: 'bridge-failed' }) },
  'LIMIT.MODERATOR_WAIT': { target: '#call.farewell', actions: endFor({ cause: 'limit', reason: 'moderator-wait-limit' }) },
} as const;

export const callMachine = callSetup.createMachine({
  id: 'call',
  context: ({ input }) => initialContext(input),
  initial: 'starting',
  on: {
    HANGUP: { target: '.closing', actions: 'noteHangup' },
    DTMF: { actions: 'bufferDigit' },
    SHUTDOWN: { target: '.farewell', actions: endFor({ cause: 'shutdown' }) },
    // The room ends the stay and says its own goodbye; the reason is the leg's unless we decided first.
    DISMISSED: { actions: assign({ dismissed: ({ context, event }) => context.dismissed ?? event.reason }) },
  },
  after: {
    // A call already ending (its goodbye stuck, its hang-up unanswered) is still ended by the
    // limit: hung up, and its leg closed with the reason decided first.
    maxLeg: [
      { guard: and(['maxLegApplies', 'endDecided']), target: '.hangingUp', actions: { type: 'perform', params: { op: 'hangUp' } } },
      { guard: 'maxLegApplies', target: '.farewell', actions: endFor({ cause: 'limit', reason: 'max-duration' }) },
    ],
  },
  states: {
    // A new call is admitted; a resumed one goes straight back to its step.
    starting: {
      always: [
        { guard: ({ context }) => context.callbackId !== undefined && context.resume === undefined, target: 'callingBack' },
        { guard: resumedAt(null), target: 'admission' },
        { guard: resumedAt('roomNumber'), target: 'roomNumber' },
        { guard: resumedAt('pin'), target: 'pin.entering' },
        { guard: resumedAt('inRoom'), target: 'inRoom' },
        { guard: resumedAt('resumedInRoom'), target: 'resumedInRoom' },
        { target: 'farewell', actions: endFor({ cause: 'failed', code: null, lastFailure: null }) },
      ],
    },
    admission: {
      on: { HANGUP: { actions: sendTo('admission', ({ event }) => event) }, SHUTDOWN: { actions: sendTo('admission', ({ event }) => event) } },
      invoke: {
        id: 'admission',
        src: 'admission',
        input: ({ context }) => ({ channelId: context.channelId, dialled: context.dialled, callerNumber: context.callerNumber }),
        onDone: [
          { guard: ({ event }) => event.output.kind === 'unanswered', target: 'finished', actions: assign({ unanswered: ({ event }) => (event.output.kind === 'unanswered' ? event.output.outcome : null) }) },
          {
            guard: ({ event }) => event.output.kind === 'failed',
            target: 'closing',
            actions: [
              assign(({ event }) => ({ broken: true, holdsIvrPlace: true, endedAt: event.output.kind === 'failed' ? (event.output.hangup?.at ?? null) : null })),
              { type: 'perform', params: { op: 'hangUp', reason: 'error' } },
            ],
          },
          { target: 'answered', actions: assign(({ event }) => (event.output.kind === 'answered' ? answeredFacts(event.output) : {})) },
        ],
        onError: {
          target: 'closing',
          actions: [assign({ broken: true }), { type: 'log', params: ({ event }) => ({ level: 'error', msg: 'admission failed', err: event.error }) }],
        },
      },
    },
    // The caller hung up or a stop's drain limit passed while the leg was opening: handled now it exists.
    answered: {
      always: [
        { guard: ({ context }) => context.endedAt !== null, target: 'closing' },
        { guard: ({ context }) => context.end !== null, target: 'farewell' },
        { target: 'roomNumber' },
      ],
    },
    ...callbackStates,
    // No mark here: a restarted app resumes an answered channel with an open leg and no mark
    // at the room entry anyway (app/calls/resync-plan.ts), so the mark would cost each caller a
    // request for nothing.
    roomNumber: {
      on: { DTMF: { actions: sendTo('roomCode', ({ event }) => event) }, 'CODE.FAILED': { actions: 'codeFailed' } },
      invoke: {
        id: 'roomCode',
        src: 'roomCode',
        input: ({ context }) => ({
          channelId: context.channelId, code: 'room' as const, subject: { accountId: context.accountId ?? -1 }, prompts: ROOM_PROMPTS,
          maxDigits: ROOM_MAX_DIGITS, timing: context.settings.timing, typed: context.pending, known: null,
        }),
        onDone: [
          {
            guard: ({ event }) => event.output.result === 'accepted',
            target: 'pin',
            actions: assign(({ event }) => (event.output.result === 'accepted' ? { room: event.output.value, pending: event.output.typed } : {})),
          },
          { target: 'farewell', actions: assign({ pending: '', end: ({ event }) => ({ cause: 'failed' as const, code: 'room' as const, lastFailure: event.output.result === 'failed' ? event.output.lastFailure : null }) }) },
        ],
      },
    },
    pin: {
      on: { 'CODE.FAILED': { actions: 'codeFailed' }, 'CODE.ENTERED': { actions: { type: 'perform', params: { op: 'observe', observation: { what: 'pinEntered' } } } } },
      initial: 'guarding',
      states: {
        // One read of the guessing limits: a locked caller or room gets no PIN attempt at all.
        guarding: {
          // From here on the caller hears the room's language (the channel keeps it, across a restart of the app too).
          entry: { type: 'perform', params: ({ context }) => ({ op: 'speak', language: roomOf(context).language }) },
          invoke: {
            src: 'guardStatus',
            input: ({ context }) => ({ room: roomOf(context), callerNumber: context.callerNumber }),
            onDone: [
              { guard: ({ event }) => entryBlocked(event.output.status), target: '#call.farewell', actions: [assign({ guard: ({ event }) => event.output }), endFor({ cause: 'locked' })] },
              { target: 'entering', actions: assign({ guard: ({ event }) => event.output }) },
            ],
            // The limits cannot be read: entry goes on (each PIN check reads them again).
            onError: { target: 'entering', actions: { type: 'log', params: ({ event }) => ({ level: 'error', msg: 'PIN guessing limits could not be read', err: event.error }) } },
          },
        },
        entering: {
          entry: { type: 'perform', params: ({ context }) => ({ op: 'mark', step: { step: 'enteringPin', room: roomOf(context).number } }) },
          on: { DTMF: { actions: sendTo('pinCode', ({ event }) => event) } },
          invoke: {
            id: 'pinCode',
            src: 'pinCode',
            input: ({ context }) => ({
              channelId: context.channelId, code: 'pin' as const, subject: { room: roomOf(context), callerNumber: context.callerNumber }, prompts: PIN_PROMPTS,
              maxDigits: PIN_MAX_DIGITS, timing: context.settings.timing, typed: context.pending, known: context.guard,
            }),
            onDone: [
              { guard: ({ event }) => event.output.result === 'accepted', target: '#call.spendCheck', actions: assign({ role: ({ event }) => (event.output.result === 'accepted' ? event.output.value : null) }) },
              { guard: ({ event }) => event.output.result === 'locked', target: '#call.farewell', actions: endFor({ cause: 'locked' }) },
              { target: '#call.farewell', actions: assign({ end: ({ event }) => ({ cause: 'failed' as const, code: 'pin' as const, lastFailure: event.output.result === 'failed' ? event.output.lastFailure : null }) }) },
            ],
          },
        },
      },
    },
    // The room's monthly spend cap (one read through the spendCheck port): a participant of a room
    // at its cap hears so and is hung up, never in the room; a moderator always goes on, warned
    // first at 80 % or more. The cap unreadable: entry goes on (logged).
    spendCheck: {
      invoke: {
        src: 'spendCheck',
        input: ({ context }) => ({ channelId: context.channelId, room: roomOf(context), role: roleOf(context) }),
        onDone: [
          { guard: ({ event }) => !event.output.admitted, target: 'farewell', actions: [assign({ role: null }), endFor({ cause: 'spend-cap' })] },
          { target: 'admitted' },
        ],
        onError: { target: 'admitted', actions: 'spendCapUnread' },
      },
    },
    // Let in: any stay a dropped call of this caller left here is taken up (a rejoin: recent-stays.ts).
    // A room that records now, or announces names (unless a rejoin brings the name back), has steps before it (entry-steps.ts); others none.
    admitted: {
      entry: 'recallStay',
      always: [{ guard: 'entryStepsDue', target: 'entrySteps' }, { target: 'inRoom' }],
    },
    entrySteps: {
      on: { DTMF: { actions: sendTo('entrySteps', ({ event }) => event) } },
      invoke: {
        id: 'entrySteps',
        src: 'entrySteps',
        input: ({ context }) => ({ channelId: context.channelId, room: roomOf(context), nameKnown: context.stay !== null }),
        onDone: [
          { guard: ({ event }) => event.output.admitted, target: 'inRoom', actions: assign({ nameRecording: ({ event }) => event.output.name }) },
          // No consent to a recorded conference: goodbye, never in the room (the leg carries no role).
          { target: 'farewell', actions: [assign({ role: null }), endFor({ cause: 'kept-out' })] },
        ],
        onError: { target: 'inRoom', actions: { type: 'log', params: ({ event }) => ({ level: 'error', msg: 'entry steps failed: the caller enters without them', err: event.error }) } },
      },
    },
    inRoom: {
      entry: [
        { type: 'log', params: ({ context }) => ({ level: 'info', msg: 'caller admitted', fields: { room: roomOf(context).number, role: context.role } }) },
        // The mark's request goes out first (not awaited), so Asterisk rarely has the caller in a bridge unmarked.
        { type: 'perform', params: ({ context }) => ({ op: 'mark', step: { step: 'inRoom', room: roomOf(context).number, role: roleOf(context) } }) },
        'giveIvrPlaceBack',
        assign({ stayHanded: ({ context }) => context.stay !== null }),
      ],
      invoke: { id: 'placementWatch', src: 'placementWatch', input: ({ context }) => ({ limits: context.settings.limits }) },
      on: { DTMF: { actions: 'pressKey' }, ...PLACEMENT },
      initial: 'joining',
      states: {
        // Into the room first (every millisecond is heard), then the ledger learns the role. The
        // room answers whether it took the caller: one it refused (locked, full, ending) keeps a
        // leg without a role, it never took part.
        joining: {
          invoke: {
            src: 'joinRoom',
            input: ({ context }) => ({
              room: roomOf(context), channelId: context.channelId, role: roleOf(context),
              who: joinDetails(context),
            }),
            onDone: [{ guard: ({ event }) => event.output.admitted, target: 'assigning' }, { target: 'refused' }],
            onError: { target: 'refused', actions: { type: 'log', params: ({ event }) => ({ level: 'error', msg: 'joining the room failed', err: event.error }) } },
          },
        },
        assigning: {
          invoke: {
            src: 'assignLeg',
            input: ({ context }) => ({ channelId: context.channelId, roomId: roomOf(context).id, role: roleOf(context), ...(context.stay === null ? {} : { rejoinOf: context.stay.channelId }) }),
            onDone: 'seated',
            onError: { target: 'seated', actions: { type: 'log', params: ({ event }) => ({ level: 'error', msg: 'ledger assign failed', err: event.error }) } },
          },
        },
        seated: {},
        refused: {},
      },
    },
    // Resumed in the bridge Asterisk already had it in: the room machine knows it, the ledger has
    // its role. Its placement is watched from that bridge on, as in inRoom.
    resumedInRoom: {
      invoke: {
        id: 'placementWatch',
        src: 'placementWatch',
        input: ({ context }) => ({ limits: context.settings.limits, where: context.resume?.step === 'inRoom' ? (context.resume.bridge ?? null) : null }),
      },
      on: { DTMF: { actions: 'pressKey' }, ...PLACEMENT },
    },
    // We end the call: the goodbye, our hang-up; the HANGUP that follows leaves the room and closes
    // the leg. The caller stays in the room meanwhile: leaving first could empty it, and destroying
    // its bridge would cut the prompt. A stop during a limit's goodbye says the stop's instead.
    farewell: {
      entry: 'sayGoodbye',
      on: {
        DTMF: {}, BRIDGE_ENTERED: {}, BRIDGE_LEFT: {},
        SHUTDOWN: { guard: 'endsAtLimit', target: 'farewell', reenter: true, actions: endFor({ cause: 'shutdown' }) },
      },
      invoke: {
        src: 'farewell',
        input: ({ context }) => ({ channelId: context.channelId, ...goodbyeFor(endOf(context)), promptGuardMs: context.settings.timing.promptGuardMs }),
        // A stop's farewell without Asterisk's end: the leg ends now rather than after the app has gone.
        onDone: 'closing',
      },
    },
    // Past the maximum leg while already ending: hung up again; Asterisk's StasisEnd (HANGUP)
    // brings the real end, and without it the leg closes now.
    hangingUp: {
      entry: { type: 'log', params: ({ context }) => ({ level: 'warn', msg: 'maximum leg duration passed while the call was ending: hanging up', fields: { reason: endReasonOf(context) } }) },
      on: { DTMF: {}, SHUTDOWN: {}, BRIDGE_ENTERED: {}, BRIDGE_LEFT: {} },
      after: { stopEndGuard: 'closing' },
    },
    closing: {
      // Ended from here on: the maximum leg limit no longer applies.
      entry: [assign({ closing: true }), 'leaveRoom', 'giveIvrPlaceBack'],
      on: { HANGUP: {}, DTMF: {}, SHUTDOWN: {}, DISMISSED: {}, BRIDGE_ENTERED: {}, BRIDGE_LEFT: {} },
      invoke: {
        src: 'closeLeg',
        input: ({ context }) => ({ channelId: context.channelId, endedAt: context.endedAt, answered: context.answeredAt !== null || context.broken, reason: endReasonOf(context) }),
        onDone: 'finished',
        onError: { target: 'finished', actions: { type: 'log', params: ({ event }) => ({ level: 'error', msg: 'closing the leg failed: it stays open for recovery', err: event.error }) } },
      },
    },
    finished: { type: 'final' },
  },
  output: ({ context }) => ({ outcome: outcomeOf(context) }),
});
