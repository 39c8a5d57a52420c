// What a room announces when callers come and go (flows/announcements.ts has the settings and
// sounds): pure functions from the room's context to the effects the room machine asks for,
// after the bridge moves they follow (the registry runs a room's effects in order).
//   entering the conference   each entrant hears the count; the others hear a tone or the
//                             entrant's name; music on hold starts for a lone caller and stops
//                             when a second arrives
//   leaving it                the others hear a tone or the name; a lone caller left gets music
// A caller's name recording belongs to the room from its JOIN: deleted (unless the room keeps
// recordings) once its last announcement has been asked for.
import { comingOrGoingSounds, countSounds, rejoinSounds } from './announcements.js';
import { NO_ANNOUNCEMENTS, type RoomAnnouncements } from '../domain/rooms.js';

export type AnnouncementEffect =
  /** Played to the room's live bridge, in the room's language. */
  | { op: 'announce'; sounds: string[]; language: string }
  /** Played to one caller who just entered (their channel speaks the room's language already). */
  | { op: 'greet'; channelId: string; sounds: string[] }
  /** Music on hold in the live bridge, on or off. */
  | { op: 'music'; on: boolean }
  /** A name recording no longer needed, once the announcements asked before have played. */
  | { op: 'forgetName'; name: string };

export interface AnnouncingRoom {
  language: string;
  announcements: RoomAnnouncements;
  moderators: string[];
  live: string[];
  /** Recorded names of callers in the room, by channel id. */
  names: Record<string, string>;
  musicOn: boolean;
}

export const announcementsOf = (a: RoomAnnouncements | undefined): RoomAnnouncements => a ?? NO_ANNOUNCEMENTS;

const inConference = (room: AnnouncingRoom) => room.moderators.length + room.live.length;

function musicFor(room: AnnouncingRoom, inside: number): AnnouncementEffect[] {
  const wanted = room.announcements.aloneMusic && inside === 1;
  return wanted === room.musicOn ? [] : [{ op: 'music', on: wanted }];
}

/**
 * After `entrants` were admitted to the conference (`room` already counts them). `rejoining`:
 * those back after a dropped call; a room that announces joins (tones or names) announces them
 * as back (rejoinSounds), not as new.
 */
export function entryEffects(room: AnnouncingRoom, entrants: string[], rejoining: string[] = []): AnnouncementEffect[] {
  const inside = inConference(room);
  const effects: AnnouncementEffect[] = [...musicFor(room, inside)];
  const a = room.announcements;
  if (a.announceCount) for (const id of entrants) effects.push({ op: 'greet', channelId: id, sounds: countSounds(inside - 1) });
  // Nobody else to hear it: no tone, no name.
  if (inside > entrants.length) {
    const back = entrants.filter((id) => rejoining.includes(id));
    const fresh = entrants.filter((id) => !rejoining.includes(id));
    const named = fresh.filter((id) => room.names[id] !== undefined);
    for (const id of named) effects.push({ op: 'announce', sounds: comingOrGoingSounds(room.names[id] as string, true), language: room.language });
    if (a.joinLeaveTones && named.length < fresh.length) effects.push({ op: 'announce', sounds: comingOrGoingSounds(null, true), language: room.language });
    const announcesJoins = a.joinLeaveTones || a.recordNames;
    for (const id of back) if (announcesJoins || room.names[id] !== undefined) effects.push({ op: 'announce', sounds: rejoinSounds(room.names[id] ?? null), language: room.language });
  }
  return effects;
}

/**
 * Before `channelId` is taken out of the room (`room` still counts it). `kept`: the caller's
 * call dropped and their stay is kept for a rejoin, which takes their name recording along.
 */
export function leaveEffects(room: AnnouncingRoom, channelId: string, kept = false): AnnouncementEffect[] {
  const effects: AnnouncementEffect[] = [];
  const name = room.names[channelId];
  const wasInside = room.moderators.includes(channelId) || room.live.includes(channelId);
  const remaining = inConference(room) - (wasInside ? 1 : 0);
  if (wasInside && remaining > 0) {
    if (name !== undefined) effects.push({ op: 'announce', sounds: comingOrGoingSounds(name, false), language: room.language });
    else if (room.announcements.joinLeaveTones) effects.push({ op: 'announce', sounds: comingOrGoingSounds(null, false), language: room.language });
    effects.push(...musicFor(room, remaining));
  }
  if (name !== undefined && !kept && !room.announcements.keepRecordings) effects.push({ op: 'forgetName', name });
  return effects;
}

/** A caller the room refused or dismissed: their name recording goes too (unless the room keeps recordings). */
export function refusedEffects(announcements: RoomAnnouncements, name: string | undefined): AnnouncementEffect[] {
  return name === undefined || announcements.keepRecordings ? [] : [{ op: 'forgetName', name }];
}

/** The music state after these effects. */
export function musicAfter(musicOn: boolean, effects: AnnouncementEffect[]): boolean {
  let on = musicOn;
  for (const e of effects) if (e.op === 'music') on = e.on;
  return on;
}
