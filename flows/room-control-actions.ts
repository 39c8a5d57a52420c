// The room machine's actions for in-call controls (room-controls.ts): a member's key becomes a
// control by their role (ivr/in-call-keys.ts), and each control mutes, locks, removes, records,
// ends or tells, as the owner's API asks too.
import { controlForKey, countMedia, InCallPrompt } from '../ivr/in-call-keys.js';
import { OWNER, type KeyPress, type RoomControl } from './room-controls.js';
import { headcount, isMember, members, mutedIn, toggled, without, type RoomContext } from './room-context.js';
import { roomSetup } from './room-setup.js';

const { assign, enqueueActions } = roomSetup;

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
    case 'callback':
      return { type: 'CALLBACK', by };
    case 'leave':
      return { type: 'DEPART', by };
    case 'help':
      return { type: 'HELP', by };
    case null:
      return null;
  }
}

export const controlActions = {
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
};
