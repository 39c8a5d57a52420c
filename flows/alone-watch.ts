// Who is in a room's conference bridge, as Asterisk reports it, and the alone-in-room limit:
// when exactly one caller has been alone in the live bridge for TOLLBRIDGE_MAX_ALONE_S, the
// room is told (ALONE_LIMIT) and dismisses that caller. Invoked by the room machine.
//
//   company (0 or 2+ in the live bridge) ⇄ alone (1) ──aloneMs──> tells the room: ALONE_LIMIT
//
// A room rebuilt after a restart starts with who Asterisk has in its live bridge (`inLive`): no
// ChannelEnteredBridge comes for them, and a newcomer must not count as alone among them.
// The members are a Set changed in place: at 200 callers every ChannelEnteredBridge costs O(1)
// here (a copied array per event would cost O(n)).
import { not, sendParent, setup } from 'xstate';
import type { BridgeKind } from '../domain/call-events.js';

export type AloneWatchEvent =
  | { type: 'BRIDGE_ENTERED'; channelId: string; bridge: BridgeKind }
  | { type: 'BRIDGE_LEFT'; channelId: string; bridge: BridgeKind };

export type AloneReport = { type: 'ALONE_LIMIT'; channelId: string };

interface AloneContext {
  aloneMs: number;
  inLive: Set<string>;
}

const loneMember = (context: AloneContext): string => context.inLive.values().next().value ?? '';

export const aloneWatch = setup({
  types: {
    input: {} as { aloneMs: number; inLive?: readonly string[] },
    context: {} as AloneContext,
    events: {} as AloneWatchEvent,
  },
  delays: {
    aloneLimit: ({ context }) => context.aloneMs,
  },
  guards: {
    aboutLive: ({ event }) => event.bridge === 'live',
    alone: ({ context }) => context.inLive.size === 1,
    limited: ({ context }) => context.aloneMs > 0,
  },
  actions: {
    // In place, deliberately (see the header).
    addMember: ({ context, event }) => void context.inLive.add(event.channelId),
    removeMember: ({ context, event }) => void context.inLive.delete(event.channelId),
    reportAlone: sendParent(({ context }): AloneReport => ({ type: 'ALONE_LIMIT', channelId: loneMember(context) })),
  },
}).createMachine({
  id: 'aloneWatch',
  context: ({ input }) => ({ aloneMs: input.aloneMs, inLive: new Set<string>(input.inLive ?? []) }),
  initial: 'company',
  on: {
    BRIDGE_ENTERED: { guard: 'aboutLive', actions: 'addMember' },
    BRIDGE_LEFT: { guard: 'aboutLive', actions: 'removeMember' },
  },
  states: {
    company: { always: { guard: 'alone', target: 'alone' } },
    alone: {
      always: { guard: not('alone'), target: 'company' },
      after: { aloneLimit: { guard: 'limited', actions: 'reportAlone' } },
    },
  },
});
