// Reads one Asterisk global variable per room (the room and hold marks a restarted app reads
// back), all side by side.
import type { AriClientSource } from './ari-client-source.js';

/** Each room's value of `variableOf(room)`; a room whose read failed goes to `unreadable` and is left out. */
export async function readRoomGlobals(
  ari: AriClientSource,
  rooms: Iterable<string>,
  variableOf: (room: string) => string,
  unreadable: (err: unknown, room: string) => void,
): Promise<Map<string, string>> {
  const read = await Promise.all(
    [...new Set(rooms)].map(async (room) => {
      try {
        const { value } = await ari.client.asterisk.getGlobalVar({ variable: variableOf(room) });
        return [room, value] as const;
      } catch (err) {
        unreadable(err, room);
        return null;
      }
    }),
  );
  return new Map(read.filter((e): e is readonly [string, string] => e !== null));
}
