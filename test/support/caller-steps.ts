// What a SIPp caller types to get into a room: the room number, then the PIN, each after a short pause.
import type { Step } from '../../sipp/caller.js';

export function enterRoom(room: string, pin: string): Step[] {
  return [{ pauseMs: 300 }, { digits: `${room}#` }, { pauseMs: 300 }, { digits: `${pin}#` }];
}
