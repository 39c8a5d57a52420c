// The room machine's actions that move callers: who is admitted, held, refused or dismissed,
// what the room's settings are, and what the room announces on the way (room-announcements.ts).
import { CALLBACK_OFFER, mayBeCalledBack } from './room-callbacks.js';
import { forwardTo } from 'xstate';
import { Prompt } from '../ivr/prompts.js';
import { announcementsOf, entryEffects, leaveEffects, musicAfter, refusedEffects } from './room-announcements.js';
import { isMember, mutedIn, without, type RoomContext, type RoomEvent } from './room-context.js';
import { roomSetup } from './room-setup.js';
import type { KeptStay } from './recent-stays.js';

const { assign, enqueueActions } = roomSetup;

export const moveActions = {
  // Settings may change between calls: the latest caller brings the current ones.
  takeSettings: assign(({ context, event }) =>
    event.type === 'JOIN'
      ? {
          policy: event.room.onModeratorLeave,
          locked: event.room.locked,
          maxParticipants: event.room.maxParticipants,
          language: event.room.language,
          announcements: announcementsOf(event.room.announcements),
          callbackEnabled: event.room.callbackEnabled,
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
    const id = event.channelId;
    const callerNumber = context.details[id]?.callerNumber ?? null;
    const role = context.moderators.includes(id) ? 'moderator' : 'participant';
    const kept = event.dropped === true && callerNumber !== null && isMember(context, id);
    const effects = leaveEffects(context, id, kept);
    for (const effect of effects) enqueue({ type: 'perform', params: effect });
    if (kept) {
      const stay: KeptStay = { channelId: id, callerNumber, role, muted: context.selfMuted.includes(id), name: context.names[id] ?? null, forgetName: !context.announcements.keepRecordings };
      enqueue({ type: 'perform', params: { op: 'keepStay', stay } });
    }
    const { [event.channelId]: _gone, ...names } = context.names;
    const remaining = context.moderators.length + context.live.length - (context.moderators.includes(event.channelId) || context.live.includes(event.channelId) ? 1 : 0);
    enqueue.assign({ names, musicOn: remaining === 0 ? false : musicAfter(context.musicOn, effects) });
  }),
  // Asterisk's word on bridge membership goes to the alone watch.
  forwardToAloneWatch: forwardTo<RoomContext, RoomEvent, undefined, RoomEvent>('aloneWatch'),
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
    // The waiting stood muted: those the room keeps muted stay so (their own mute, or everyone's).
    const stayMuted = context.waiting.filter((id) => mutedIn(context, id));
    enqueue({ type: 'perform', params: { op: 'admitLive', channelIds: admitted, ...(stayMuted.length > 0 ? { stayMuted } : {}) } });
    // Those who asked to be called back are dialled now (they join as participants when they answer);
    // the desk keeps the bookings, so a room that emptied meanwhile still has them.
    enqueue({ type: 'perform', params: { op: 'placeCallbacks' } });
    // Tones, names, the count and music for whoever just entered (after their move).
    const greeting = entryEffects(next, admitted, event.rejoin === undefined ? [] : [event.channelId]);
    for (const effect of greeting) enqueue({ type: 'perform', params: effect });
    enqueue.assign({ moderators: next.moderators, live: next.live, waiting: [], musicOn: musicAfter(context.musicOn, greeting) });
  }),
  joinLive: enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'JOIN') return;
    const channelId = event.channelId;
    const joined = event.role === 'moderator' ? { moderators: [...context.moderators, channelId] } : { live: [...context.live, channelId] };
    enqueue({ type: 'perform', params: { op: 'admitLive', channelIds: [channelId] } });
    const greeting = entryEffects({ ...context, ...joined }, [channelId], event.rejoin === undefined ? [] : [channelId]);
    for (const effect of greeting) enqueue({ type: 'perform', params: effect });
    enqueue.assign({ ...joined, musicOn: musicAfter(context.musicOn, greeting) });
  }),
  joinHold: enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'JOIN') return;
    const channelId = event.channelId;
    // The callback is offered once, on arrival (settings as this JOIN brings them).
    const offered = event.role === 'participant' && mayBeCalledBack({ callbackEnabled: event.room.callbackEnabled, callbacks: context.callbacks }, event.callerNumber);
    enqueue({ type: 'perform', params: { op: 'hold', channelIds: [channelId], prompt: Prompt.waitForModerator, ...(offered ? { then: CALLBACK_OFFER } : {}) } });
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
      callbackAsked: without(context.callbackAsked, id),
      details,
    });
    enqueue.emit({ type: 'left', channelId: id });
  }),
  // After the move the JOIN asked for: who they are, and muted at once if everyone is.
  noteMember: enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'JOIN') return;
    const id = event.channelId;
    const { at, callerNumber, dialled } = event;
    enqueue.assign({ joined: [...without(context.joined, id), id], details: { ...context.details, [id]: { callerNumber, joinedAt: at, ...(dialled === undefined ? {} : { dialled }) } } });
    enqueue.emit({ type: 'joined', channelId: id, role: event.role, callerNumber, at });
    // Back after a dropped call: muted again if they had muted themselves.
    const selfMuted = event.rejoin?.muted === true;
    if (selfMuted) enqueue.assign({ selfMuted: [...without(context.selfMuted, id), id] });
    if (selfMuted || (context.mutedAll && event.role === 'participant')) {
      enqueue({ type: 'perform', params: { op: 'mute', channelIds: [id], muted: true } });
      enqueue.emit({ type: 'muted', channelId: id, muted: true });
    }
  }),
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
};
