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
//        which decides as after a departure: a room whose moderator left meanwhile gets its policy
//
// Locked rooms refuse participants ("locked"), and so do full ones ("full"); moderators always enter.
//
// What Asterisk reports (a caller entered or left one of the room's bridges) is forwarded to
// the alone watch (alone-watch.ts): a caller alone in the conference too long is dismissed.
// A caller whose move did not land is placed again when its call asks (REPLACE: the call's
// placement watch saw no ChannelEnteredBridge in time).
// Events for one room arrive one at a time, so two callers arriving "in the same instant" are
// simply two events in some order; the bridge operations they cause are queued in that same
// order (room-registry.ts), so the bridges always end up as the machine says.
import { assign, enqueueActions, forwardTo, setup } from 'xstate';
import { Prompt } from '../ivr/prompts.js';
import { aloneWatch, type AloneReport, type AloneWatchEvent } from './alone-watch.js';
import type { LegEndReason, ModeratorLeavePolicy, Role, RoomInfo } from './ports.js';
import type { RoomAnnouncements } from './announcements.js';
import { announcementsOf, entryEffects, leaveEffects, musicAfter, refusedEffects, type AnnouncementEffect } from './room-announcements.js';

export type RoomEffect =
  | { op: 'admitLive'; channelIds: string[] }
  | { op: 'hold'; channelIds: string[]; prompt: string | null }
  | { op: 'dismiss'; channelIds: string[]; prompt: string; reason: LegEndReason }
  | { op: 'release' }
  | AnnouncementEffect;

export type RoomEvent =
  /** `name`: the caller's recorded name (an Asterisk stored recording), now the room's to announce and delete. */
  | { type: 'JOIN'; channelId: string; role: Role; room: RoomInfo; name?: string }
  | { type: 'LEAVE'; channelId: string }
  | { type: 'REPLACE'; channelId: string }
  | AloneWatchEvent
  | AloneReport;

/** Who Asterisk has in the room's bridges, for a room rebuilt after a restart or reconnect. */
export interface RoomMembers {
  moderators: string[];
  live: string[];
  waiting: string[];
}

export interface RoomContext {
  roomNumber: string;
  policy: ModeratorLeavePolicy;
  locked: boolean;
  maxParticipants: number;
  moderators: string[];
  /** Participants in the mixing bridge. */
  live: string[];
  /** Participants in the holding bridge. */
  waiting: string[];
  language: string;
  announcements: RoomAnnouncements;
  /** Recorded names of callers in the room, by channel id (room-announcements.ts). */
  names: Record<string, string>;
  /** Music on hold is playing in the live bridge (a caller alone there). */
  musicOn: boolean;
}

const without = (list: string[], id: string) => list.filter((x) => x !== id);
const headcount = (c: RoomContext) => c.moderators.length + c.live.length + c.waiting.length;

/** `aloneMs`: TOLLBRIDGE_MAX_ALONE_S in ms (0: no limit). */
export function createRoomMachine(perform: (effect: RoomEffect) => void, aloneMs = 0) {
  return setup({
    types: {
      input: {} as { room: RoomInfo; restore?: RoomMembers },
      context: {} as RoomContext,
      events: {} as RoomEvent,
    },
    actors: { aloneWatch },
    guards: {
      // Moderators are never refused: the room is theirs, locked or full.
      refused: ({ context, event }) =>
        event.type === 'JOIN' && event.role === 'participant' && (headcount(context) >= event.room.maxParticipants || event.room.locked),
      isModerator: ({ event }) => event.type === 'JOIN' && event.role === 'moderator',
      empty: ({ context }) => headcount(context) === 0,
      leaderless: ({ context }) => context.moderators.length === 0,
      policyEnd: ({ context }) => context.policy === 'end',
      policyWait: ({ context }) => context.policy === 'wait',
    },
    actions: {
      // Settings may change between calls: the latest caller brings the current ones.
      takeSettings: assign(({ context, event }) =>
        event.type === 'JOIN'
          ? {
              policy: event.room.onModeratorLeave,
              locked: event.room.locked,
              maxParticipants: event.room.maxParticipants,
              language: event.room.language,
              announcements: announcementsOf(event.room.announcements),
              names: event.name === undefined ? context.names : { ...context.names, [event.channelId]: event.name },
            }
          : {},
      ),
      refuse: ({ event }) => {
        if (event.type !== 'JOIN') return;
        perform({ op: 'dismiss', channelIds: [event.channelId], prompt: event.room.locked ? Prompt.locked : Prompt.full, reason: 'refused' });
        for (const effect of refusedEffects(announcementsOf(event.room.announcements), event.name)) perform(effect);
      },
      announceLeave: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'LEAVE') return;
        const effects = leaveEffects(context, event.channelId);
        for (const effect of effects) enqueue(() => perform(effect));
        const { [event.channelId]: _gone, ...names } = context.names;
        const remaining = context.moderators.length + context.live.length - (context.moderators.includes(event.channelId) || context.live.includes(event.channelId) ? 1 : 0);
        enqueue.assign({ names, musicOn: remaining === 0 ? false : musicAfter(context.musicOn, effects) });
      }),
      // Asterisk's word on bridge membership goes to the alone watch.
      forwardToAloneWatch: forwardTo('aloneWatch'),
      dismissAlone: ({ event }) => {
        if (event.type === 'ALONE_LIMIT') perform({ op: 'dismiss', channelIds: [event.channelId], prompt: Prompt.limitReached, reason: 'alone-limit' });
      },
      // The same move again for one caller, to where the room has it (no waiting prompt twice).
      placeAgain: ({ context, event }) => {
        if (event.type !== 'REPLACE') return;
        const id = event.channelId;
        if (context.moderators.includes(id) || context.live.includes(id)) perform({ op: 'admitLive', channelIds: [id] });
        else if (context.waiting.includes(id)) perform({ op: 'hold', channelIds: [id], prompt: null });
      },
      // A moderator opens the room: the moderator and everyone waiting go live together.
      openRoom: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'JOIN') return;
        const admitted = [event.channelId, ...context.waiting];
        const next = { ...context, moderators: [...context.moderators, event.channelId], live: [...context.live, ...context.waiting], waiting: [] };
        enqueue(() => perform({ op: 'admitLive', channelIds: admitted }));
        // Tones, names, the count and music for whoever just entered (after their move).
        const greeting = entryEffects(next, admitted);
        for (const effect of greeting) enqueue(() => perform(effect));
        enqueue.assign({ moderators: next.moderators, live: next.live, waiting: [], musicOn: musicAfter(context.musicOn, greeting) });
      }),
      joinLive: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'JOIN') return;
        const channelId = event.channelId;
        const joined = event.role === 'moderator' ? { moderators: [...context.moderators, channelId] } : { live: [...context.live, channelId] };
        enqueue(() => perform({ op: 'admitLive', channelIds: [channelId] }));
        const greeting = entryEffects({ ...context, ...joined }, [channelId]);
        for (const effect of greeting) enqueue(() => perform(effect));
        enqueue.assign({ ...joined, musicOn: musicAfter(context.musicOn, greeting) });
      }),
      joinHold: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'JOIN') return;
        const channelId = event.channelId;
        enqueue(() => perform({ op: 'hold', channelIds: [channelId], prompt: Prompt.waitForModerator }));
        enqueue.assign({ waiting: [...context.waiting, channelId] });
      }),
      remove: assign(({ context, event }) =>
        event.type === 'LEAVE'
          ? {
              moderators: without(context.moderators, event.channelId),
              live: without(context.live, event.channelId),
              waiting: without(context.waiting, event.channelId),
            }
          : {},
      ),
      endConference: enqueueActions(({ context, enqueue }) => {
        const everyone = [...context.live, ...context.waiting];
        enqueue(() => perform({ op: 'dismiss', channelIds: everyone, prompt: Prompt.moderatorLeft, reason: 'moderator-left' }));
        // Their leaving reaches an idle room: their names go now.
        for (const effect of everyone.flatMap((id) => refusedEffects(context.announcements, context.names[id]))) enqueue(() => perform(effect));
        enqueue.assign({ live: [], waiting: [], names: {}, musicOn: false });
      }),
      backToHold: enqueueActions(({ context, enqueue }) => {
        const live = context.live;
        enqueue(() => perform({ op: 'hold', channelIds: live, prompt: Prompt.waitForModerator }));
        enqueue.assign({ waiting: [...context.waiting, ...live], live: [] });
      }),
      release: () => perform({ op: 'release' }),
    },
  }).createMachine({
    id: 'room',
    context: ({ input }) => ({
      roomNumber: input.room.number,
      policy: input.room.onModeratorLeave,
      locked: input.room.locked,
      maxParticipants: input.room.maxParticipants,
      moderators: input.restore?.moderators ?? [],
      live: input.restore?.live ?? [],
      waiting: input.restore?.waiting ?? [],
      language: input.room.language,
      announcements: announcementsOf(input.room.announcements),
      names: {},
      // A room rebuilt after a restart: a lone caller in its conference had music (Asterisk kept it playing).
      musicOn: announcementsOf(input.room.announcements).aloneMusic && (input.restore?.moderators.length ?? 0) + (input.restore?.live.length ?? 0) === 1,
    }),
    invoke: { id: 'aloneWatch', src: 'aloneWatch', input: { aloneMs } },
    on: {
      BRIDGE_ENTERED: { actions: 'forwardToAloneWatch' },
      BRIDGE_LEFT: { actions: 'forwardToAloneWatch' },
      ALONE_LIMIT: { actions: 'dismissAlone' },
      REPLACE: { actions: 'placeAgain' },
    },
    initial: 'starting',
    states: {
      starting: {
        always: [{ guard: ({ context }) => headcount(context) > 0, target: 'settling' }, { target: 'idle' }],
      },
      idle: {
        on: {
          JOIN: [
            { guard: 'refused', actions: 'refuse' },
            { guard: 'isModerator', target: 'live', actions: ['takeSettings', 'openRoom'] },
            { target: 'waiting', actions: ['takeSettings', 'joinHold'] },
          ],
        },
      },
      waiting: {
        on: {
          JOIN: [
            { guard: 'refused', actions: 'refuse' },
            { guard: 'isModerator', target: 'live', actions: ['takeSettings', 'openRoom'] },
            { actions: ['takeSettings', 'joinHold'] },
          ],
          LEAVE: { target: 'settling', actions: ['announceLeave', 'remove'] },
        },
      },
      live: {
        on: {
          JOIN: [{ guard: 'refused', actions: 'refuse' }, { actions: ['takeSettings', 'joinLive'] }],
          LEAVE: { target: 'settling', actions: ['announceLeave', 'remove'] },
        },
      },
      unmoderated: {
        on: {
          JOIN: [
            { guard: 'refused', actions: 'refuse' },
            { guard: 'isModerator', target: 'live', actions: ['takeSettings', 'joinLive'] },
            { actions: ['takeSettings', 'joinLive'] },
          ],
          LEAVE: { target: 'settling', actions: ['announceLeave', 'remove'] },
        },
      },
      // After someone leaves: decide where the room stands now.
      settling: {
        always: [
          { guard: 'empty', target: 'idle', actions: 'release' },
          { guard: ({ context }) => context.live.length === 0 && context.moderators.length === 0, target: 'waiting' },
          { guard: ({ context }) => context.moderators.length > 0, target: 'live' },
          { guard: 'policyEnd', target: 'idle', actions: ['endConference', 'release'] },
          { guard: 'policyWait', target: 'waiting', actions: 'backToHold' },
          { target: 'unmoderated' },
        ],
      },
    },
  });
}
