// The room machine's types, its child actor (the alone watch) and its one port, `perform`:
// every bridge operation, mute or prompt the room asks for is that action with the effect as its
// parameter. The machine (room-machine.ts) and its actions (room-moves.ts,
// room-control-actions.ts) are all built on this setup.
import { setup } from 'xstate';
import { aloneWatch } from './alone-watch.js';
import type { RoomNews } from './room-controls.js';
import type { RoomContext, RoomEffect, RoomEvent, RoomInput } from './room-context.js';

export const roomSetup = setup({
  types: {
    input: {} as RoomInput,
    context: {} as RoomContext,
    events: {} as RoomEvent,
    emitted: {} as RoomNews,
  },
  actors: { aloneWatch },
  actions: { perform: (_, _effect: RoomEffect) => undefined },
});
