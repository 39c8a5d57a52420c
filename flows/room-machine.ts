// One conference room. The moderator cases, written down before the code (after jambonz's
// conference task):
//
//   idle ──participant──> waiting (hold bridge, music on hold, after conf-waitforleader)
//   idle/waiting ──moderator──> live (mixing bridge; every waiting participant moves in at once)
//   live ──participant/moderator──> live (straight into the mix; two moderators are fine)
//   live ──last moderator leaves──> by the room's setting:
//        end       everyone hears conf-leaderhasleft and is hung up; the room is idle again
//        continue  unmoderated: the conference goes on, newcomers join it
//        wait      participants go back to hold until a moderator returns
//   any ──last one leaves──> idle, bridges destroyed
//   restored (after a restart or reconnect: who Asterisk has in which bridge) ──> settling,
//        which decides as after a departure: a room whose moderator left meanwhile gets its policy;
//        its lock and mute-all come back as the room last marked them (RoomMarks), and the alone
//        watch starts with who is in the live bridge
//
// Locked rooms refuse participants ("locked"), and so do full ones ("full"); moderators always enter.
//
// In-call controls (room-controls.ts; keys in ivr/in-call-keys.ts, the owner's API) are events
// of this machine, handled in every state for the room's members:
//   KEY ─role's key map─> MUTE / MUTE_ALL / LOCK / REMOVE / RECORD / END / COUNT / HELP / DEPART / CALLBACK
//   CALLBACK (key 7, a waiting participant): booked and hung up; dialled when a moderator arrives (room-callbacks.ts)
//   mute: a member is muted when they muted themselves, or everyone was muted and they are no
//         moderator (a newcomer joins muted then); muted callers hear it
//   LOCK: refuses participants while it holds (besides the room's own setting); cleared when
//         unlocked or when the room empties (idle)
//   END ──> ending: everyone hears goodbye and is hung up; newcomers are refused until empty
//
// What Asterisk reports (a caller entered or left one of the room's bridges) is forwarded to
// the alone watch (alone-watch.ts): a caller alone in the conference too long is dismissed.
// A caller whose move did not land is placed again when its call asks (REPLACE: the call's
// placement watch saw no ChannelEnteredBridge in time).
// Events for one room arrive one at a time, so two callers arriving "in the same instant" are
// simply two events in some order; the bridge operations they cause are queued in that same
// order (room-registry.ts), so the bridges always end up as the machine says.
//
// The parts: what the room holds, its events and effects (room-context.ts); the setup with its
// one port, `perform` (room-setup.ts); the actions that move callers (room-moves.ts) and those of
// the in-call controls (room-control-actions.ts). This module is the machine: guards and states.
import { headcount, initialRoomContext, type RoomEffect } from './room-context.js';
import { callbackActions } from './room-callbacks.js';
import { controlActions } from './room-control-actions.js';
import { moveActions } from './room-moves.js';
import { roomSetup } from './room-setup.js';

/**
 * One room. Every bridge operation, mute or prompt it asks for is the action `perform` with the
 * effect as its parameter: the registry provides it (`roomMachine.provide`), tests too; without
 * it the machine asks for nothing.
 */
export const roomMachine = roomSetup
  .extend({
    guards: {
      // Moderators are never refused: the room is theirs, locked or full.
      refused: ({ context, event }) =>
        event.type === 'JOIN' && event.role === 'participant' && (headcount(context) >= event.room.maxParticipants || event.room.locked || context.lockedNow),
      isModerator: ({ event }) => event.type === 'JOIN' && event.role === 'moderator',
      empty: ({ context }) => headcount(context) === 0,
      occupied: ({ context }) => headcount(context) > 0,
      /** Nobody in the conference: only callers on hold. */
      onlyWaiting: ({ context }) => context.live.length === 0 && context.moderators.length === 0,
      moderated: ({ context }) => context.moderators.length > 0,
      leaderless: ({ context }) => context.moderators.length === 0,
      policyEnd: ({ context }) => context.policy === 'end',
      policyWait: ({ context }) => context.policy === 'wait',
    },
    actions: { ...moveActions, ...controlActions, ...callbackActions },
  }).createMachine({
    id: 'room',
    context: ({ input }) => initialRoomContext(input),
    invoke: { id: 'aloneWatch', src: 'aloneWatch', input: ({ context }) => ({ aloneMs: context.aloneMs, inLive: [...context.moderators, ...context.live] }) },
    on: {
      BRIDGE_ENTERED: { actions: 'forwardToAloneWatch' },
      BRIDGE_LEFT: { actions: 'forwardToAloneWatch' },
      ALONE_LIMIT: { actions: 'dismissAlone' },
      REPLACE: { actions: 'placeAgain' },
      KEY: { actions: 'pressKey' },
      MUTE: { actions: 'muteOne' },
      MUTE_ALL: { guard: 'occupied', actions: 'muteAll' },
      LOCK: { guard: 'occupied', actions: 'lockRoom' },
      REMOVE: { actions: 'removeMember' },
      RECORD: { guard: 'occupied', actions: 'record' },
      END: { guard: 'occupied', target: '.ending', actions: 'endForAll' },
      COUNT: { actions: 'tellCount' },
      HELP: { actions: 'tellHelp' },
      DEPART: { actions: 'depart' },
      CALLBACK: { actions: 'askCallback' },
      TALKING: { actions: 'noteTalking' },
    },
    initial: 'starting',
    states: {
      starting: {
        always: [{ guard: 'occupied', target: 'settling' }, { target: 'idle' }],
      },
      idle: {
        entry: 'clearControls',
        on: {
          JOIN: [
            { guard: 'refused', actions: 'refuse' },
            { guard: 'isModerator', target: 'live', actions: ['takeSettings', 'openRoom', 'noteMember'] },
            { target: 'waiting', actions: ['takeSettings', 'joinHold', 'noteMember'] },
          ],
        },
      },
      waiting: {
        on: {
          JOIN: [
            { guard: 'refused', actions: 'refuse' },
            { guard: 'isModerator', target: 'live', actions: ['takeSettings', 'openRoom', 'noteMember'] },
            { actions: ['takeSettings', 'joinHold', 'noteMember'] },
          ],
          LEAVE: { target: 'settling', actions: ['announceLeave', 'remove'] },
        },
      },
      live: {
        on: {
          JOIN: [{ guard: 'refused', actions: 'refuse' }, { actions: ['takeSettings', 'joinLive', 'noteMember'] }],
          LEAVE: { target: 'settling', actions: ['announceLeave', 'remove'] },
        },
      },
      unmoderated: {
        on: {
          JOIN: [
            { guard: 'refused', actions: 'refuse' },
            { guard: 'isModerator', target: 'live', actions: ['takeSettings', 'joinLive', 'noteMember'] },
            { actions: ['takeSettings', 'joinLive', 'noteMember'] },
          ],
          LEAVE: { target: 'settling', actions: ['announceLeave', 'remove'] },
        },
      },
      // Ended for everyone: each is being told goodbye and hung up; nobody new comes in.
      ending: {
        on: {
          JOIN: { actions: 'refuse' },
          LEAVE: { actions: ['announceLeave', 'remove'] },
          END: {},
        },
        always: { guard: 'empty', target: 'idle', actions: 'release' },
      },
      // After someone leaves: decide where the room stands now.
      settling: {
        always: [
          { guard: 'empty', target: 'idle', actions: 'release' },
          { guard: 'onlyWaiting', target: 'waiting' },
          { guard: 'moderated', target: 'live' },
          { guard: 'policyEnd', target: 'idle', actions: ['endConference', 'release'] },
          { guard: 'policyWait', target: 'waiting', actions: 'backToHold' },
          { target: 'unmoderated' },
        ],
      },
    },
  });

/** The room machine with its effects going to `perform` (the registry's queue of bridge operations). */
export function createRoomMachine(perform: (effect: RoomEffect) => void) {
  return roomMachine.provide({ actions: { perform: (_, effect) => perform(effect) } });
}
