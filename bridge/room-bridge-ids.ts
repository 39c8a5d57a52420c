// A room's two bridges have ids derived from the room number, so that after a restart the app
// finds them again in Asterisk (ari-conference.ts creates them; the session reads events by them):
//   tollbridge-live-<room>  mixing bridge: the conference
//   tollbridge-hold-<room>  holding bridge with music on hold: waiting for the moderator
import type { BridgeKind } from '../domain/call-events.js';

export const liveBridgeId = (room: string) => `tollbridge-live-${room}`;
export const holdBridgeId = (room: string) => `tollbridge-hold-${room}`;

const ROOM_BRIDGE_ID = /^tollbridge-(live|hold)-(.+)$/;

/** The room and kind of one of tollbridge's room bridges; null for any other bridge. */
export function parseRoomBridgeId(bridgeId: string): { room: string; bridge: BridgeKind } | null {
  const m = ROOM_BRIDGE_ID.exec(bridgeId);
  return m === null ? null : { bridge: m[1] as BridgeKind, room: m[2] as string };
}
