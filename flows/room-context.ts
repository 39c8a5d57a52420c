// What one room holds (room-machine.ts): its input, context, events and the effects it asks
// for, and the pure reads on them that its guards and actions share.
import type { AloneReport, AloneWatchEvent } from './alone-watch.js';
import type { RoomControlsState, RoomInfo } from './ports.js';
import type { LegEndReason } from '../domain/legs.js';
import type { ModeratorLeavePolicy, RoomAnnouncements } from '../domain/rooms.js';
import type { Role } from '../domain/roles.js';
import type { KeptStay } from './recent-stays.js';
import type { ControlSource, KeyPress, RoomControl, TalkingReport } from './room-controls.js';
import { announcementsOf, type AnnouncementEffect } from './room-announcements.js';
import { NO_CALLBACKS, type CallbackPolicy } from '../domain/callback.js';

export type RoomEffect =
  /** `stayMuted`: of those, the ones the room keeps muted (waiting callers are unmuted as they enter, the others not). */
  | { op: 'admitLive'; channelIds: string[]; stayMuted?: string[] }
  /** `then`: sounds played after the prompt (the callback offer), in the same playback. */
  | { op: 'hold'; channelIds: string[]; prompt: string | null; then?: string[] }
  | { op: 'dismiss'; channelIds: string[]; prompt: string; reason: LegEndReason }
  | { op: 'release' }
  | { op: 'mute'; channelIds: string[]; muted: boolean }
  | { op: 'tell'; channelIds: string[]; media: string[] }
  | { op: 'record'; on: boolean | 'toggle'; by: ControlSource }
  /** A caller whose call dropped: kept for a rejoin within the window (recent-stays.ts). */
  | { op: 'keepStay'; stay: KeptStay }
  /** A waiting participant asked to be called back when the moderator arrives (room-callbacks.ts). */
  | { op: 'bookCallback'; booking: CallbackBooking }
  /** The moderator arrived: the room's booked callbacks are dialled. */
  | { op: 'placeCallbacks' }
  | AnnouncementEffect;

export type RoomEvent =
  /**
   * `at`: when the caller came in (epoch ms, the live view's "joined at"); `name`: the caller's
   * recorded name (an Asterisk stored recording), now the room's to announce and delete.
   */
  /** `rejoin`: back after a dropped call within the window, with their own mute as it was. */
  /** `dialled`: the number the caller came in on (E.164), which a callback of theirs is billed on. */
  | { type: 'JOIN'; channelId: string; role: Role; room: RoomInfo; callerNumber: string | null; at: number; name?: string; rejoin?: { muted: boolean }; dialled?: string }
  /** `dropped`: the call dropped (not left, removed or ended by the room): its stay is kept for a rejoin. */
  | { type: 'LEAVE'; channelId: string; dropped?: boolean }
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

/** A callback a waiting participant asked for: their own number, dialled when the moderator arrives. */
export interface CallbackBooking {
  /** The waiting call that asked (its leg tells who pays and which number it came in on). */
  channelId: string;
  /** E.164 with '+' (domain/callback.ts dialBackNumber of the caller's own number). */
  number: string;
  /** The number the waiting call came in on: the callback is billed on its route. */
  dialled: string;
  /** When the caller began to wait (epoch ms): the callback is good for the room's maximum wait from then. */
  waitingSince: number | null;
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
  details: Record<string, { callerNumber: string | null; joinedAt: number | null; dialled?: string }>;
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
  /** The room's owner lets waiting participants be called back (the room setting). */
  callbackEnabled: boolean;
  /** This bridge's callback rules (the trunk, the numbers never dialled). */
  callbacks: CallbackPolicy;
  /** Waiting participants who asked for a callback (once per waiting call). */
  callbackAsked: string[];
}

export interface RoomInput {
  room: RoomInfo;
  restore?: RoomMembers;
  /** A restored room's lock and mute-all, as last marked before the restart. */
  controls?: RoomControlsState;
  /** TOLLBRIDGE_MAX_ALONE_S in ms (0 or absent: no limit). */
  aloneMs?: number;
  /** The bridge's callback rules; absent: no callbacks. */
  callbacks?: CallbackPolicy;
}

export const without = (list: string[], id: string) => list.filter((x) => x !== id);
export const headcount = (c: RoomContext) => c.moderators.length + c.live.length + c.waiting.length;
export const members = (c: RoomContext) => [...c.moderators, ...c.live, ...c.waiting];
export const isMember = (c: Pick<RoomContext, 'moderators' | 'live' | 'waiting'>, id: string) => c.moderators.includes(id) || c.live.includes(id) || c.waiting.includes(id);
/** Whether a member's audio is kept out of the room, by these settings. */
export const mutedIn = (c: Pick<RoomContext, 'moderators' | 'selfMuted' | 'mutedAll'>, id: string) =>
  c.selfMuted.includes(id) || (c.mutedAll && !c.moderators.includes(id));
export const toggled = (value: boolean | 'toggle', current: boolean) => (value === 'toggle' ? !current : value);

/** A new room, or one rebuilt from who Asterisk has in its bridges (`input.restore`). */
export function initialRoomContext(input: RoomInput): RoomContext {
  return {
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
    callbackEnabled: input.room.callbackEnabled,
    callbacks: input.callbacks ?? NO_CALLBACKS,
    callbackAsked: [],
  };
}
