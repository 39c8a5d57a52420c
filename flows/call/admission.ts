// From the carrier's INVITE to an answered call with its ledger leg open:
//
//   start ──the bridge is stopping──> refusing (SIP 503, never answered, no leg)
//     │
//   routing ──unknown/unsubscribed number──> rejecting (SIP 404, never answered, no leg)
//     │     ──lookup failed (our fault)──────> rejecting (SIP 503: the carrier may try elsewhere)
//     │       (the bridge began stopping during the lookup: refusing, 503)
//     │     ──too many calls not yet in a room, per number or caller──> rejecting (SIP 486 busy)
//   answering (answer at Asterisk's time, open the ledger leg; a hang-up or a stop here waits for the leg)
//
// The call forwards HANGUP and SHUTDOWN here while this step runs; the output says what came of it.
import { assign, fromPromise, not, setup } from 'xstate';
import type { LegEndReason } from '../../domain/legs.js';
import type { NumberRoute } from '../../domain/numbers.js';
import type { AdmissionResult, LogLine, RefusalCause } from './types.js';

export interface AdmissionInput {
  channelId: string;
  dialled: string;
  callerNumber: string | null;
}

interface AdmissionContext extends AdmissionInput {
  route: NumberRoute | null;
  refusal: RefusalCause;
  hangup: { at: number; reason?: LegEndReason } | null;
  shutdown: boolean;
  result: AdmissionResult | null;
}

type AdmissionEvent = { type: 'HANGUP'; at: number; reason?: LegEndReason } | { type: 'SHUTDOWN' };

const notProvided = (port: string) => () => Promise.reject(new Error(`the ${port} port was not provided`));

/**
 * Ports: `route` (the dialled number's route, null if none), `reject` (refuse before answer),
 * `answer` (answer, open the leg; Asterisk's answer time), the guards `accepting` (the bridge
 * takes calls) and `ivrHasRoom` (the caps on calls not yet in a room), the actions `takeIvrPlace`
 * and `log`.
 */
export const admissionMachine = setup({
  types: {
    input: {} as AdmissionInput,
    context: {} as AdmissionContext,
    events: {} as AdmissionEvent,
    output: {} as AdmissionResult,
  },
  actors: {
    route: fromPromise<NumberRoute | null, { dialled: string }>(notProvided('route')),
    reject: fromPromise<void, { channelId: string; cause: RefusalCause }>(notProvided('reject')),
    /** Rejects without a route: no leg can be opened. */
    answer: fromPromise<number, { channelId: string; route: NumberRoute | null; callerNumber: string | null }>(notProvided('answer')),
  },
  guards: {
    accepting: () => true,
    ivrHasRoom: () => true,
  },
  actions: {
    takeIvrPlace: () => undefined,
    log: (_, _line: LogLine) => undefined,
    // A busy refusal is decided at once; the others once the refusal is sent (a hang-up first: abandoned).
    refusedAs: assign({ result: ({ context }) => ({ kind: 'unanswered' as const, outcome: context.refusal === 'busy' ? ('busy' as const) : ('abandoned' as const) }) }),
    rejectedAs: assign({ result: ({ context }) => ({ kind: 'unanswered' as const, outcome: context.refusal === 'busy' ? ('busy' as const) : ('rejected' as const) }) }),
  },
}).createMachine({
  id: 'admission',
  context: ({ input }) => ({ ...input, route: null, refusal: 'unallocated', hangup: null, shutdown: false, result: null }),
  initial: 'start',
  states: {
    start: {
      always: [{ guard: not('accepting'), target: 'refusing' }, { target: 'routing' }],
    },
    routing: {
      // Not answered yet: a stop that begins now refuses the call when the lookup returns.
      on: { HANGUP: { target: 'done', actions: assign({ result: { kind: 'unanswered', outcome: 'abandoned' } }) }, SHUTDOWN: {} },
      invoke: {
        src: 'route',
        input: ({ context }) => ({ dialled: context.dialled }),
        onDone: [
          { guard: not('accepting'), target: 'refusing' },
          { guard: ({ event }) => event.output === null, target: 'rejecting' },
          {
            guard: not('ivrHasRoom'),
            target: 'rejecting',
            actions: [
              assign({ refusal: 'busy' }),
              { type: 'log', params: ({ context }) => ({ level: 'warn', msg: 'too many calls not yet in a room: refused busy', fields: { dialled: context.dialled, callerNumber: context.callerNumber } }) },
            ],
          },
          { target: 'answering', actions: [assign({ route: ({ event }) => event.output }), 'takeIvrPlace'] },
        ],
        onError: {
          target: 'rejecting',
          actions: [
            assign({ refusal: 'unavailable' }),
            { type: 'log', params: ({ event }) => ({ level: 'error', msg: 'number lookup failed: refused with 503', err: event.error }) },
          ],
        },
      },
    },
    rejecting: {
      entry: {
        type: 'log',
        params: ({ context }) => (context.refusal === 'unallocated' ? { level: 'info', msg: 'number not in service: rejected', fields: { dialled: context.dialled } } : { level: 'debug', msg: 'call refused before answer', fields: { cause: context.refusal } }),
      },
      on: { HANGUP: { target: 'done', actions: 'refusedAs' }, SHUTDOWN: {} },
      invoke: {
        src: 'reject',
        input: ({ context }) => ({ channelId: context.channelId, cause: context.refusal }),
        onDone: { target: 'done', actions: 'rejectedAs' },
        onError: {
          target: 'done',
          actions: ['rejectedAs', { type: 'log', params: ({ event }) => ({ level: 'warn', msg: 'rejecting the call failed', err: event.error }) }],
        },
      },
    },
    refusing: {
      entry: { type: 'log', params: ({ context }) => ({ level: 'info', msg: 'bridge stopping: call refused (SIP 503)', fields: { dialled: context.dialled } }) },
      on: { HANGUP: { target: 'done', actions: assign({ result: { kind: 'unanswered', outcome: 'abandoned' } }) }, SHUTDOWN: {} },
      invoke: {
        src: 'reject',
        input: ({ context }) => ({ channelId: context.channelId, cause: 'unavailable' as const }),
        onDone: { target: 'done', actions: assign({ result: { kind: 'unanswered', outcome: 'refused' } }) },
        onError: {
          target: 'done',
          actions: [assign({ result: { kind: 'unanswered', outcome: 'refused' } }), { type: 'log', params: ({ event }) => ({ level: 'warn', msg: 'refusing the call failed', err: event.error }) }],
        },
      },
    },
    answering: {
      // The leg must exist before it can be closed: a hang-up or a stop now is noted and handled after.
      on: {
        HANGUP: { actions: assign({ hangup: ({ event }) => ({ at: event.at, ...(event.reason === undefined ? {} : { reason: event.reason }) }) }) },
        SHUTDOWN: { actions: assign({ shutdown: true }) },
      },
      invoke: {
        src: 'answer',
        input: ({ context }) => ({ channelId: context.channelId, route: context.route, callerNumber: context.callerNumber }),
        onDone: {
          target: 'done',
          actions: assign({
            result: ({ context, event }): AdmissionResult =>
              context.route === null
                ? { kind: 'failed', hangup: context.hangup }
                : { kind: 'answered', route: context.route, answeredAt: event.output, hangup: context.hangup, shutdown: context.shutdown },
          }),
        },
        onError: {
          target: 'done',
          actions: [
            assign({ result: ({ context }) => ({ kind: 'failed' as const, hangup: context.hangup }) }),
            { type: 'log', params: ({ event }) => ({ level: 'error', msg: 'answer or leg opening failed', err: event.error }) },
          ],
        },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => context.result ?? { kind: 'unanswered', outcome: 'abandoned' },
});
