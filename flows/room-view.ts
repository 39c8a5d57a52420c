// A room's members as the owner's live view shows them (the API's GET and event stream), read
// from the room machine's snapshot.
import type { Role } from '../domain/roles.js';
import type { LiveRoom } from './room-controls.js';
import type { RoomContext } from './room-context.js';

export function liveRoom(roomNumber: string, snap: { value: unknown; context: RoomContext }, recording: boolean): LiveRoom {
  const c = snap.context;
  const member = (channelId: string, role: Role, where: 'live' | 'waiting') => ({
    channelId,
    callerNumber: c.details[channelId]?.callerNumber ?? null,
    role,
    joinedAt: c.details[channelId]?.joinedAt ?? null,
    where,
    muted: c.selfMuted.includes(channelId) || (c.mutedAll && role === 'participant'),
    talking: c.talking.includes(channelId),
  });
  return {
    room: roomNumber,
    state: String(snap.value),
    locked: c.lockedNow || c.locked,
    mutedAll: c.mutedAll,
    recording,
    members: [
      ...c.moderators.map((id) => member(id, 'moderator', 'live')),
      ...c.live.map((id) => member(id, 'participant', 'live')),
      ...c.waiting.map((id) => member(id, 'participant', 'waiting')),
    ],
  };
}
