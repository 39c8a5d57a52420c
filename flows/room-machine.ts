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
//   KEY ─role's key map─> MUTE / MUTE_ALL / LOCK / REMOVE / RECORD / END / COUNT / HELP / DEPART
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
import { assign, forwardTo, setup } from 'xstate';
import { Prompt } from '../ivr/prompts.js';
import { aloneWatch, type AloneReport, type AloneWatchEvent } from './alone-watch.js';
import { controlForKey, countMedia, InCallPrompt } from '../ivr/in-call-keys.js';
import type { RoomControlsState, RoomInfo } from './ports.js';
import type { LegEndReason } from '../domain/legs.js';
import type { ModeratorLeavePolicy } from '../domain/rooms.js';
import type { Role } from '../domain/roles.js';
import { OWNER, type ControlSource, type KeyPress, type RoomControl, type RoomNews, type TalkingReport } from './room-controls.js';
import type { RoomAnnouncements } from '../domain/rooms.js';
import { announcementsOf, entryEffects, leaveEffects, musicAfter, refusedEffects, type AnnouncementEffect } from './room-announcements.js';

export type RoomEffect =
  | { op: 'admitLive'; channelIds: string[] }
  | { op: 'hold'; channelIds: string[]; prompt: string | null }
  | { op: 'dismiss'; channelIds: string[]; prompt: string; reason: LegEndReason }
  | { op: 'release' }
  | { op: 'mute'; channelIds: string[]; muted: boolean }
  | { op: 'tell'; channelIds: string[]; media: string[] }
  | { op: 'record'; on: boolean | 'toggle'; by: ControlSource }
  | AnnouncementEffect;

export type RoomEvent =
  /**
   * `at`: when the caller came in (epoch ms, the live view's "joined at"); `name`: the caller's
   * recorded name (an Asterisk stored recording), now the room's to announce and delete.
   */
  | { type: 'JOIN'; channelId: string; role: Role; room: RoomInfo; callerNumber: string | null; at: number; name?: string }
  | { type: 'LEAVE'; channelId: string }
  | { type: 'REPLACE'; channelId: string }
  | AloneWatchEvent
  | AloneReport
  | KeyPress
  | TalkingReport
  | RoomControl;

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
  aloneMs: number;
  /** Every member, in the order they joined ("remove the last participant" takes from the end). */
  joined: string[];
  /** What the live view shows of each member beyond where they are. */
  details: Record<string, { callerNumber: string | null; joinedAt: number | null }>;
  /** Members who muted themselves (or were muted one by one by a moderator or the owner). */
  selfMuted: string[];
  /** Everyone but moderators is muted (key 4 / the API), newcomers too. */
  mutedAll: boolean;
  /** Locked during the call (key 2 / the API): refuses participants until unlocked or empty. */
  lockedNow: boolean;
  talking: string[];
  language: string;
  announcements: RoomAnnouncements;
  /** Recorded names of callers in the room, by channel id (room-announcements.ts). */
  names: Record<string, string>;
  /** Music on hold is playing in the live bridge (a caller alone there). */
  musicOn: boolean;
}

const without = (list: string[], id: string) => list.filter((x) => x !== id);
const headcount = (c: RoomContext) => c.moderators.length + c.live.length + c.waiting.length;
const members = (c: RoomContext) => [...c.moderators, ...c.live, ...c.waiting];
export const isMember = (c: Pick<RoomContext, 'moderators' | 'live' | 'waiting'>, id: string) => c.moderators.includes(id) || c.live.includes(id) || c.waiting.includes(id);
/** Whether a member's audio is kept out of the room, by these settings. */
const mutedIn = (c: Pick<RoomContext, 'moderators' | 'selfMuted' | 'mutedAll'>, id: string) =>
  c.selfMuted.includes(id) || (c.mutedAll && !c.moderators.includes(id));
const toggled = (value: boolean | 'toggle', current: boolean) => (value === 'toggle' ? !current : value);
/** The key's control as the machine's event; null when the key does nothing for this member. */
function keyEvent(c: RoomContext, key: KeyPress): RoomControl | null {
  if (!isMember(c, key.channelId)) return null;
  const by = key.channelId;
  switch (controlForKey(key.digit, c.moderators.includes(by) ? 'moderator' : 'participant')) {
    case 'muteSelf':
      return { type: 'MUTE', channelId: by, muted: 'toggle', by };
    case 'lock':
      return { type: 'LOCK', locked: 'toggle', by };
    case 'removeLast':
      return { type: 'REMOVE', channelId: '', last: true, by };
    case 'muteAll':
      return { type: 'MUTE_ALL', muted: 'toggle', by };
    case 'count':
      return { type: 'COUNT', by };
    case 'record':
      return { type: 'RECORD', on: 'toggle', by };
    case 'end':
      return { type: 'END', by };
    case 'leave':
      return { type: 'DEPART', by };
    case 'help':
      return { type: 'HELP', by };
    case null:
      return null;
  }
}

export interface RoomInput {
  room: RoomInfo;
  restore?: RoomMembers;
  /** A restored room's lock and mute-all, as last marked before the restart. */
  controls?: RoomControlsState;
  /** TOLLBRIDGE_MAX_ALONE_S in ms (0 or absent: no limit). */
  aloneMs?: number;
}

/** The machine's types, actors and its one port, `perform` (see roomMachine). */
const withPorts = setup({
  types: {
    input: {} as RoomInput,
    context: {} as RoomContext,
    events: {} as RoomEvent,
    emitted: {} as RoomNews,
  },
  actors: { aloneWatch },
  actions: { perform: (_, _effect: RoomEffect) => undefined },
});
const enqueueActions = withPorts.enqueueActions;

/**
 * One room. Every bridge operation, mute or prompt it asks for is the action `perform` with the
 * effect as its parameter: the registry provides it (`roomMachine.provide`), tests too; without
 * it the machine asks for nothing.
 */
export const roomMachine = withPorts
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
      refuse: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'JOIN') return;
        enqueue({ type: 'perform', params: { op: 'dismiss', channelIds: [event.channelId], prompt: event.room.locked || context.lockedNow ? Prompt.locked : Prompt.full, reason: 'refused' } });
        for (const effect of refusedEffects(announcementsOf(event.room.announcements), event.name)) enqueue({ type: 'perform', params: effect });
      }),
      announceLeave: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'LEAVE') return;
        const effects = leaveEffects(context, event.channelId);
        for (const effect of effects) enqueue({ type: 'perform', params: effect });
        const { [event.channelId]: _gone, ...names } = context.names;
        const remaining = context.moderators.length + context.live.length - (context.moderators.includes(event.channelId) || context.live.includes(event.channelId) ? 1 : 0);
        enqueue.assign({ names, musicOn: remaining === 0 ? false : musicAfter(context.musicOn, effects) });
      }),
      // Asterisk's word on bridge membership goes to the alone watch.
      forwardToAloneWatch: forwardTo('aloneWatch'),
      dismissAlone: enqueueActions(({ event, enqueue }) => {
        if (event.type === 'ALONE_LIMIT') enqueue({ type: 'perform', params: { op: 'dismiss', channelIds: [event.channelId], prompt: Prompt.limitReached, reason: 'alone-limit' } });
      }),
      // The same move again for one caller, to where the room has it (no waiting prompt twice).
      placeAgain: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'REPLACE') return;
        const id = event.channelId;
        if (context.moderators.includes(id) || context.live.includes(id)) enqueue({ type: 'perform', params: { op: 'admitLive', channelIds: [id] } });
        else if (context.waiting.includes(id)) enqueue({ type: 'perform', params: { op: 'hold', channelIds: [id], prompt: null } });
      }),
      // A moderator opens the room: the moderator and everyone waiting go live together.
      openRoom: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'JOIN') return;
        const admitted = [event.channelId, ...context.waiting];
        const next = { ...context, moderators: [...context.moderators, event.channelId], live: [...context.live, ...context.waiting], waiting: [] };
        enqueue({ type: 'perform', params: { op: 'admitLive', channelIds: admitted } });
        // Tones, names, the count and music for whoever just entered (after their move).
        const greeting = entryEffects(next, admitted);
        for (const effect of greeting) enqueue({ type: 'perform', params: effect });
        enqueue.assign({ moderators: next.moderators, live: next.live, waiting: [], musicOn: musicAfter(context.musicOn, greeting) });
      }),
      joinLive: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'JOIN') return;
        const channelId = event.channelId;
        const joined = event.role === 'moderator' ? { moderators: [...context.moderators, channelId] } : { live: [...context.live, channelId] };
        enqueue({ type: 'perform', params: { op: 'admitLive', channelIds: [channelId] } });
        const greeting = entryEffects({ ...context, ...joined }, [channelId]);
        for (const effect of greeting) enqueue({ type: 'perform', params: effect });
        enqueue.assign({ ...joined, musicOn: musicAfter(context.musicOn, greeting) });
      }),
      joinHold: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'JOIN') return;
        const channelId = event.channelId;
        enqueue({ type: 'perform', params: { op: 'hold', channelIds: [channelId], prompt: Prompt.waitForModerator } });
        enqueue.assign({ waiting: [...context.waiting, channelId] });
      }),
      remove: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'LEAVE' || !isMember(context, event.channelId)) return;
        const id = event.channelId;
        const { [id]: _gone, ...details } = context.details;
        enqueue.assign({
          moderators: without(context.moderators, id),
          live: without(context.live, id),
          waiting: without(context.waiting, id),
          joined: without(context.joined, id),
          selfMuted: without(context.selfMuted, id),
          talking: without(context.talking, id),
          details,
        });
        enqueue.emit({ type: 'left', channelId: id });
      }),
      // After the move the JOIN asked for: who they are, and muted at once if everyone is.
      noteMember: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'JOIN') return;
        const id = event.channelId;
        const { at, callerNumber } = event;
        enqueue.assign({ joined: [...without(context.joined, id), id], details: { ...context.details, [id]: { callerNumber, joinedAt: at } } });
        enqueue.emit({ type: 'joined', channelId: id, role: event.role, callerNumber, at });
        if (context.mutedAll && event.role === 'participant') {
          enqueue({ type: 'perform', params: { op: 'mute', channelIds: [id], muted: true } });
          enqueue.emit({ type: 'muted', channelId: id, muted: true });
        }
      }),
      pressKey: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'KEY') return;
        const control = keyEvent(context, event);
        if (control !== null) enqueue.raise(control);
      }),
      muteOne: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'MUTE' || !isMember(context, event.channelId)) return;
        const id = event.channelId;
        const self = toggled(event.muted, context.selfMuted.includes(id));
        const after = { ...context, selfMuted: self ? [...without(context.selfMuted, id), id] : without(context.selfMuted, id) };
        enqueue.assign({ selfMuted: after.selfMuted });
        const was = mutedIn(context, id);
        const now = mutedIn(after, id);
        if (was !== now) {
          enqueue({ type: 'perform', params: { op: 'mute', channelIds: [id], muted: now } });
          enqueue.emit({ type: 'muted', channelId: id, muted: now });
        }
        // The caller hears where they stand (still muted when everyone is).
        enqueue({ type: 'perform', params: { op: 'tell', channelIds: [id], media: [`sound:${now ? InCallPrompt.muted : InCallPrompt.unmuted}`] } });
      }),
      muteAll: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'MUTE_ALL') return;
        const after = { ...context, mutedAll: toggled(event.muted, context.mutedAll) };
        enqueue.assign({ mutedAll: after.mutedAll });
        for (const muted of [true, false]) {
          const changed = members(context).filter((id) => mutedIn(context, id) !== muted && mutedIn(after, id) === muted);
          if (changed.length === 0) continue;
          enqueue({ type: 'perform', params: { op: 'mute', channelIds: changed, muted } });
          for (const id of changed) enqueue.emit({ type: 'muted', channelId: id, muted });
        }
        // Heard by everyone.
        const everyone = members(context);
        enqueue({ type: 'perform', params: { op: 'tell', channelIds: everyone, media: [`sound:${after.mutedAll ? InCallPrompt.roomMuted : InCallPrompt.roomUnmuted}`] } });
      }),
      lockRoom: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'LOCK') return;
        const locked = toggled(event.locked, context.lockedNow);
        enqueue.assign({ lockedNow: locked });
        enqueue.emit({ type: 'locked', locked });
        if (event.by !== OWNER) enqueue({ type: 'perform', params: { op: 'tell', channelIds: [event.by], media: [`sound:${locked ? InCallPrompt.lockedNow : InCallPrompt.unlockedNow}`] } });
      }),
      // The caller hears conf-kicked and is hung up; their LEAVE follows their hang-up.
      removeMember: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'REMOVE') return;
        const id = event.last === true ? [...context.joined].reverse().find((m) => !context.moderators.includes(m)) : event.channelId;
        if (id === undefined || !isMember(context, id)) return;
        enqueue({ type: 'perform', params: { op: 'dismiss', channelIds: [id], prompt: InCallPrompt.removed, reason: 'removed' } });
      }),
      record: enqueueActions(({ event, enqueue }) => {
        if (event.type === 'RECORD') enqueue({ type: 'perform', params: { op: 'record', on: event.on, by: event.by } });
      }),
      endForAll: enqueueActions(({ context, enqueue }) => {
        const everyone = members(context);
        // Locked while it ends: a caller arriving meanwhile hears conf-locked.
        enqueue.assign({ lockedNow: true });
        enqueue.emit({ type: 'ended' });
        enqueue({ type: 'perform', params: { op: 'dismiss', channelIds: everyone, prompt: InCallPrompt.goodbye, reason: 'ended' } });
      }),
      tellCount: enqueueActions(({ context, event, enqueue }) => {
        if (event.type === 'COUNT' && isMember(context, event.by)) enqueue({ type: 'perform', params: { op: 'tell', channelIds: [event.by], media: countMedia(headcount(context)) } });
      }),
      tellHelp: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'HELP' || !isMember(context, event.by)) return;
        const help = context.moderators.includes(event.by) ? InCallPrompt.moderatorHelp : InCallPrompt.participantHelp;
        enqueue({ type: 'perform', params: { op: 'tell', channelIds: [event.by], media: [`sound:${help}`] } });
      }),
      depart: enqueueActions(({ context, event, enqueue }) => {
        if (event.type === 'DEPART' && isMember(context, event.by)) enqueue({ type: 'perform', params: { op: 'dismiss', channelIds: [event.by], prompt: InCallPrompt.goodbye, reason: 'left' } });
      }),
      noteTalking: enqueueActions(({ context, event, enqueue }) => {
        if (event.type !== 'TALKING' || !isMember(context, event.channelId) || context.talking.includes(event.channelId) === event.talking) return;
        const id = event.channelId;
        enqueue.assign({ talking: event.talking ? [...context.talking, id] : without(context.talking, id) });
        enqueue.emit({ type: 'talking', channelId: id, talking: event.talking });
      }),
      // An empty room starts over: unlocked, nobody muted.
      clearControls: assign({ lockedNow: false, mutedAll: false, selfMuted: [], joined: [], details: {}, talking: [] }),
      endConference: enqueueActions(({ context, enqueue }) => {
        const everyone = [...context.live, ...context.waiting];
        enqueue({ type: 'perform', params: { op: 'dismiss', channelIds: everyone, prompt: Prompt.moderatorLeft, reason: 'moderator-left' } });
        // Their leaving reaches an idle room: their names go now.
        for (const effect of everyone.flatMap((id) => refusedEffects(context.announcements, context.names[id]))) enqueue({ type: 'perform', params: effect });
        enqueue.assign({ live: [], waiting: [], names: {}, musicOn: false });
        // They are members no more (their LEAVE finds an idle room): whoever follows the room hears it now.
        for (const id of everyone) enqueue.emit({ type: 'left', channelId: id });
      }),
      backToHold: enqueueActions(({ context, enqueue }) => {
        const live = context.live;
        enqueue({ type: 'perform', params: { op: 'hold', channelIds: live, prompt: Prompt.waitForModerator } });
        enqueue.assign({ waiting: [...context.waiting, ...live], live: [] });
      }),
      release: enqueueActions(({ enqueue }) => enqueue({ type: 'perform', params: { op: 'release' } })),
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
      aloneMs: input.aloneMs ?? 0,
      joined: input.restore === undefined ? [] : [...input.restore.moderators, ...input.restore.live, ...input.restore.waiting],
      details: {},
      selfMuted: [],
      mutedAll: input.controls?.mutedAll ?? false,
      lockedNow: input.controls?.lockedNow ?? false,
      talking: [],
      language: input.room.language,
      announcements: announcementsOf(input.room.announcements),
      names: {},
      // A room rebuilt after a restart: a lone caller in its conference had music (Asterisk kept it playing).
      musicOn: announcementsOf(input.room.announcements).aloneMusic && (input.restore?.moderators.length ?? 0) + (input.restore?.live.length ?? 0) === 1,
    }),
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
