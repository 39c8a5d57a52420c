// The controls of a live room, as events of its machine (room-machine.ts). A caller's key
// (ivr/in-call-keys.ts) and the owner's live-control API send the same events; `by` says who:
// a member's channel id, or 'owner' for the API. What they ask of Asterisk goes through the
// MemberChannels port; what happened is told to watchers as RoomNews (the API's event stream).
import type { Role } from '../domain/roles.js';

/** Who asked: a member's channel id, or the room's owner through the API. */
export type ControlSource = string;
export const OWNER: ControlSource = 'owner';

export type RoomControl =
  /** `muted`: true, false, or 'toggle' (a key). */
  | { type: 'MUTE'; channelId: string; muted: boolean | 'toggle'; by: ControlSource }
  | { type: 'MUTE_ALL'; muted: boolean | 'toggle'; by: ControlSource }
  | { type: 'LOCK'; locked: boolean | 'toggle'; by: ControlSource }
  /** A member, or (`last`, a moderator's key) the participant who joined last. */
  | { type: 'REMOVE'; channelId: string; last?: boolean; by: ControlSource }
  | { type: 'RECORD'; on: boolean | 'toggle'; by: ControlSource }
  | { type: 'END'; by: ControlSource }
  /** For the member who asked: the headcount, the help, or goodbye. */
  | { type: 'COUNT'; by: ControlSource }
  | { type: 'HELP'; by: ControlSource }
  | { type: 'DEPART'; by: ControlSource }
  /** A waiting participant asks to be called back when the moderator arrives (key 7). */
  | { type: 'CALLBACK'; by: string };

/** A key pressed by a member in the room (the room machine maps it to a control by role). */
export interface KeyPress {
  type: 'KEY';
  channelId: string;
  digit: string;
}

/** Asterisk's talk detection on a member (only while someone watches the room's event stream). */
export interface TalkingReport {
  type: 'TALKING';
  channelId: string;
  talking: boolean;
}

/** What watchers of a room hear (the owner's event stream). */
export type RoomNews =
  | { type: 'joined'; channelId: string; role: Role; callerNumber: string | null; at: number }
  | { type: 'left'; channelId: string }
  | { type: 'muted'; channelId: string; muted: boolean }
  | { type: 'talking'; channelId: string; talking: boolean }
  | { type: 'locked'; locked: boolean }
  | { type: 'ended' };

/** Operations on the channels of callers in a room (bridge/ over ARI). */
export interface MemberChannels {
  /** Mutes ("in": the caller's audio no longer reaches the room) or unmutes each. */
  mute(channelIds: string[], muted: boolean): Promise<void>;
  /** Plays media (ARI media URIs) to each, in the room: nothing waits for its end. */
  tell(channelIds: string[], media: string[]): Promise<void>;
}

/** For rooms without in-call controls (unit tests that do not care). */
export const NO_MEMBER_CHANNELS: MemberChannels = {
  mute: () => Promise.resolve(),
  tell: () => Promise.resolve(),
};

/** One member, as the owner's live view shows them. */
export interface LiveMember {
  channelId: string;
  callerNumber: string | null;
  role: Role;
  /** Epoch ms; null for a member found in Asterisk's bridges after a restart. */
  joinedAt: number | null;
  /** 'live' in the conference, 'waiting' on hold for a moderator. */
  where: 'live' | 'waiting';
  muted: boolean;
  talking: boolean;
}

export interface LiveRoom {
  room: string;
  state: string;
  /** Locked in the call (key 2 or the API), or by the room's setting. */
  locked: boolean;
  mutedAll: boolean;
  recording: boolean;
  members: LiveMember[];
}
