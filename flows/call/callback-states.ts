// An answered callback's first steps (app/calls/callbacks.ts: booked by a waiting participant's
// key 7, dialled when the moderator arrives). The journey (journey.ts) enters `callingBack`
// instead of the admission: the booking is claimed and the leg opened (kind 'callback', billed on
// the number the waiting call came in on), the room's number is said, then the caller goes on to
// the spend check as a participant who gave the PIN. Nothing to claim: hung up, no leg.
import { assign } from 'xstate';
import { InCallPrompt } from '../../ivr/in-call-keys.js';
import { callSetup } from './call-setup.js';
import { roomOf } from './context.js';

/** "You are entering conference number" and the room's digits. */
const enteringRoom = (roomNumber: string): string[] => [InCallPrompt.enteringRoom, ...[...roomNumber].map((digit) => `digits/${digit}`)];

// An answered callback (app/calls/callbacks.ts, booked by a waiting participant's key 7): its
// booking claimed and its leg opened (kind 'callback', billed on the number the waiting call
// came in on), the room's number said, then in as a participant without the PIN, through the
// same spend check and entry steps as any participant. Nothing to claim: hung up, no leg.
const callingBack = callSetup.createStateConfig({
    on: { HANGUP: { actions: 'noteHangup' }, SHUTDOWN: { actions: { type: 'endFor', params: { cause: 'shutdown' } } } },
    invoke: {
      src: 'callbackAnswer',
      input: ({ context }) => ({ channelId: context.channelId, callbackId: context.callbackId ?? '' }),
      onDone: [
        {
          guard: ({ event }) => event.output === null,
          target: 'closing',
          actions: [{ type: 'log', params: { level: 'warn', msg: 'callback answered without a booking: hung up' } }, { type: 'perform', params: { op: 'hangUp', reason: 'error' } }],
        },
        {
          target: 'callbackAnswered',
          actions: assign(({ event }) => {
            const out = event.output;
            return out === null ? {} : { room: out.room, accountId: out.accountId, dialled: out.dialled, callerNumber: out.callerNumber, answeredAt: out.answeredAt, role: 'participant' as const };
          }),
        },
      ],
      onError: {
        target: 'closing',
        actions: [
          assign({ broken: true }),
          { type: 'log', params: ({ event }) => ({ level: 'error', msg: 'callback leg could not be opened', err: event.error }) },
          { type: 'perform', params: { op: 'hangUp', reason: 'error' } },
        ],
      },
    },
});

// Hung up or stopped while the leg was opening: handled now it exists.
const callbackAnswered = callSetup.createStateConfig({
    always: [
      { guard: ({ context }) => context.endedAt !== null, target: 'closing' },
      { guard: ({ context }) => context.end !== null, target: 'farewell' },
      { target: 'callbackGreeting' },
    ],
});

// "You are entering conference number ..." in the room's language.
const callbackGreeting = callSetup.createStateConfig({
    entry: { type: 'perform', params: ({ context }) => ({ op: 'speak', language: roomOf(context).language }) },
    invoke: {
      src: 'announce',
      input: ({ context }) => ({ channelId: context.channelId, sounds: enteringRoom(roomOf(context).number) }),
      onDone: 'spendCheck',
      onError: { target: 'spendCheck', actions: { type: 'log', params: ({ event }) => ({ level: 'warn', msg: 'the room\'s number could not be said to the callback', err: event.error }) } },
    },
});

export const callbackStates = { callingBack, callbackAnswered, callbackGreeting };
