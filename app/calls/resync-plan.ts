// What to rebuild after a restart or an ARI reconnect, decided from Asterisk's truth (the
// channels in our Stasis app with their call marks, the room bridges and who is in them), the
// ledger's open legs, and the calls this process already runs. Pure: resync.ts carries it out.
//
//   channel the process runs, gone from Asterisk   -> the call hangs up at its recorded end
//   open leg with neither a call nor a channel      -> the leg is closed at its recorded end, if
//                                                      its channel id is this Asterisk's (`ours`):
//                                                      another bridge process on the same database
//                                                      runs the others
//   unknown channel marked inRoom, in its bridge     -> stays there; its room is rebuilt with it
//   unknown channel marked inRoom, in no bridge      -> joins its room again
//   unknown channel marked enteringRoom/enteringPin  -> hears that step again from its start
//   unknown channel with an open leg but no mark     -> in a bridge: stays (role from the ledger);
//                                                      otherwise asked for the room again
//   unknown channel with neither                     -> a new call (never answered, or answered
//                                                      an instant before the leg was written)
import type { AsteriskSnapshot, ChannelView } from '../../bridge/ari-snapshot.js';
import type { LivePlaces } from '../../bridge/waiting-places.js';
import type { CallStart } from '../../flows/call-router.js';
import type { BridgeKind } from '../../domain/call-events.js';
import type { OpenLeg } from '../../domain/legs.js';
import type { Role } from '../../domain/roles.js';
import type { RoomMembers } from '../../flows/room-context.js';

/** A call to resume; rooms are named by number (resync.ts looks them up). */
export type PlannedResume = { accountId: number; answeredAt: number } & (
  | { step: 'enteringRoom' }
  | { step: 'enteringPin'; room: string }
  | { step: 'inRoom'; room: string; role: Role; placed: boolean; bridge?: BridgeKind }
  | { step: 'goodbye' }
);

export interface ResyncPlan {
  /** Calls this process runs whose channel is gone. */
  endedCalls: string[];
  /** Open legs of this Asterisk's channels with no call and no channel. */
  orphanLegs: string[];
  /** Rooms to rebuild from their bridges (members are only channels this process did not run). */
  rooms: Array<{ room: string; members: RoomMembers }>;
  resumes: Array<{ start: CallStart; resume: PlannedResume }>;
  fresh: CallStart[];
  /** Every room bridge Asterisk has now. */
  bridgeIds: string[];
  /** Who stands in which room's live bridge, and who of them waits there for the moderator (bridge/waiting-places.ts). */
  places: LivePlaces;
}

/** `ours`: whether a channel id is this Asterisk's (bridge/channel-ids.ts channelsOfSystem). */
export function planResync(snapshot: AsteriskSnapshot, openLegs: OpenLeg[], known: ReadonlySet<string>, ours: (channelId: string) => boolean): ResyncPlan {
  const present = new Set(snapshot.channels.map((c) => c.id));
  const legs = new Map(openLegs.map((l) => [l.channelId, l]));
  const bridgeOf = new Map<string, { room: string; kind: BridgeKind }>();
  for (const b of snapshot.bridges) for (const id of b.channels) bridgeOf.set(id, { room: b.room, kind: b.kind });
  const places = waitingPlaces(snapshot, legs);
  for (const [id, room] of places.held) bridgeOf.set(id, { room, kind: 'hold' });

  const resumes: ResyncPlan['resumes'] = [];
  const fresh: CallStart[] = [];
  for (const channel of snapshot.channels) {
    if (known.has(channel.id)) continue;
    const resume = resumeOf(channel, legs.get(channel.id), bridgeOf.get(channel.id));
    const start: CallStart = { channelId: channel.id, dialled: channel.mark?.dialled ?? channel.dialled, callerNumber: channel.callerNumber };
    if (resume === null) fresh.push(start);
    else resumes.push({ start, resume });
  }

  const rooms = new Map<string, RoomMembers>();
  for (const b of snapshot.bridges) rooms.set(b.room, { moderators: [], live: [], waiting: [] });
  for (const { start, resume } of resumes) {
    if (resume.step !== 'inRoom' || !resume.placed) continue;
    const where = bridgeOf.get(start.channelId);
    const members = rooms.get(resume.room);
    if (where === undefined || members === undefined) continue;
    if (resume.role === 'moderator') members.moderators.push(start.channelId);
    else if (where.kind === 'live') members.live.push(start.channelId);
    else members.waiting.push(start.channelId);
  }
  // A room whose bridges hold a call this process runs is already known to it.
  const runsRoom = (room: string) => snapshot.bridges.some((b) => b.room === room && b.channels.some((id) => known.has(id)));

  return {
    endedCalls: [...known].filter((id) => !present.has(id)),
    orphanLegs: openLegs.map((l) => l.channelId).filter((id) => ours(id) && !present.has(id) && !known.has(id)),
    rooms: [...rooms].filter(([room]) => !runsRoom(room)).map(([room, members]) => ({ room, members })),
    resumes,
    fresh,
    bridgeIds: snapshot.bridges.map((b) => b.id),
    places,
  };
}

/**
 * A live bridge marked waiting holds callers waiting for the moderator, unless a moderator
 * stands in it (the mark outlived the release: the app stopped before clearing it).
 */
function waitingPlaces(snapshot: AsteriskSnapshot, legs: ReadonlyMap<string, OpenLeg>): LivePlaces {
  const marks = new Map(snapshot.channels.map((c) => [c.id, c.mark]));
  const roleOf = (id: string): Role | null => {
    const mark = marks.get(id);
    return mark?.step === 'inRoom' ? mark.role : (legs.get(id)?.role ?? null);
  };
  const inLive = new Map<string, string>();
  const held = new Map<string, string>();
  const waitingRooms: string[] = [];
  for (const b of snapshot.bridges) {
    if (b.kind !== 'live') continue;
    for (const id of b.channels) inLive.set(id, b.room);
    if (b.waiting !== true || b.channels.some((id) => roleOf(id) === 'moderator')) continue;
    waitingRooms.push(b.room);
    for (const id of b.channels) held.set(id, b.room);
  }
  return { inLive, held, waitingRooms };
}

function resumeOf(channel: ChannelView, leg: OpenLeg | undefined, bridge: { room: string; kind: BridgeKind } | undefined): PlannedResume | null {
  const mark = channel.mark;
  // The ledger is the billing truth for the answer time; the mark carries it when the leg is missing.
  if (mark !== null) {
    const facts = { accountId: leg?.accountId ?? mark.accountId, answeredAt: leg?.answeredAt ?? mark.answeredAt };
    switch (mark.step) {
      case 'inRoom':
        return bridge?.room === mark.room
          ? { ...facts, step: 'inRoom', room: mark.room, role: mark.role, placed: true, bridge: bridge.kind }
          : { ...facts, step: 'inRoom', room: mark.room, role: mark.role, placed: false };
      case 'enteringPin':
        // Admitted an instant before the mark said so: it is in the room already.
        if (bridge?.room === mark.room) return { ...facts, step: 'inRoom', room: mark.room, role: leg?.role ?? 'participant', placed: true, bridge: bridge.kind };
        return { ...facts, step: 'enteringPin', room: mark.room };
      case 'enteringRoom':
      case 'goodbye':
        return { ...facts, step: mark.step };
    }
  }
  if (leg === undefined) return null;
  const facts = { accountId: leg.accountId, answeredAt: leg.answeredAt };
  if (bridge !== undefined) return { ...facts, step: 'inRoom', room: bridge.room, role: leg.role ?? 'participant', placed: true, bridge: bridge.kind };
  return { ...facts, step: 'enteringRoom' };
}
