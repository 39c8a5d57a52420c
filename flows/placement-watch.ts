// Where one admitted caller really is, as Asterisk reports it (ChannelEnteredBridge /
// ChannelLeftBridge on the room's bridges), and the limits that depend on it. Invoked by the
// call machine while the caller is in a room:
//
//   placing ──entered hold──> onHold ──TOLLBRIDGE_MAX_MODERATOR_WAIT_S──> tells the call: MODERATOR_WAIT
//      │    ──entered live──> live
//      │ (not in a bridge within placementMs)
//   retrying (the call asks the room to place it again) ──placementMs──> tells the call: FAILED
//
// A call resumed after a restart starts where Asterisk has it (`where`: onHold or live), since
// no ChannelEnteredBridge comes for a bridge it is already in.
//
// Leaving the bridge it was in (bridge destroyed under the app, or a move) starts placing again;
// a "left" for another bridge than the one it is in (events of a move may cross) is ignored.
import { assign, sendParent, setup } from 'xstate';
import type { BridgeKind } from '../domain/call-events.js';
import type { CallLimits } from '../domain/limits.js';

export type PlacementEvent = { type: 'BRIDGE_ENTERED'; bridge: BridgeKind } | { type: 'BRIDGE_LEFT'; bridge: BridgeKind };

/** What the watch tells the call machine. */
export type PlacementReport = { type: 'PLACEMENT.RETRY' } | { type: 'PLACEMENT.FAILED' } | { type: 'LIMIT.MODERATOR_WAIT' };

interface PlacementContext {
  limits: CallLimits;
  /** The bridge Asterisk last said the caller entered, until it says the caller left it. */
  where: BridgeKind | null;
}

export const placementWatch = setup({
  types: {
    input: {} as { limits: CallLimits; where?: BridgeKind | null },
    context: {} as PlacementContext,
    events: {} as PlacementEvent,
  },
  delays: {
    placement: ({ context }) => context.limits.placementMs,
    moderatorWait: ({ context }) => context.limits.moderatorWaitMs,
  },
  guards: {
    enteredHold: ({ event }) => event.type === 'BRIDGE_ENTERED' && event.bridge === 'hold',
    leftWhereItWas: ({ context, event }) => event.type === 'BRIDGE_LEFT' && event.bridge === context.where,
    moderatorWaitLimited: ({ context }) => context.limits.moderatorWaitMs > 0,
  },
  actions: {
    noteBridge: assign({ where: ({ event }) => (event.type === 'BRIDGE_ENTERED' ? event.bridge : null) }),
    forgetBridge: assign({ where: null }),
    askRetry: sendParent({ type: 'PLACEMENT.RETRY' } satisfies PlacementReport),
    reportFailed: sendParent({ type: 'PLACEMENT.FAILED' } satisfies PlacementReport),
    reportModeratorWait: sendParent({ type: 'LIMIT.MODERATOR_WAIT' } satisfies PlacementReport),
  },
}).createMachine({
  id: 'placementWatch',
  context: ({ input }) => ({ limits: input.limits, where: input.where ?? null }),
  initial: 'starting',
  on: {
    BRIDGE_ENTERED: [
      { guard: 'enteredHold', target: '.onHold', actions: 'noteBridge' },
      { target: '.live', actions: 'noteBridge' },
    ],
    BRIDGE_LEFT: { guard: 'leftWhereItWas', target: '.placing', actions: 'forgetBridge' },
  },
  states: {
    starting: {
      always: [
        { guard: ({ context }) => context.where === 'hold', target: 'onHold' },
        { guard: ({ context }) => context.where === 'live', target: 'live' },
        { target: 'placing' },
      ],
    },
    placing: { after: { placement: 'retrying' } },
    retrying: {
      entry: 'askRetry',
      after: { placement: { target: 'gaveUp', actions: 'reportFailed' } },
    },
    onHold: {
      after: { moderatorWait: { guard: 'moderatorWaitLimited', target: 'gaveUp', actions: 'reportModeratorWait' } },
    },
    live: {},
    gaveUp: {},
  },
});
