// Who calls, in what order, for the load bench. Calls are spread over the rooms round-robin;
// in each room the first call is the moderator. Moderator first: calls are placed in that
// order (the first K calls open the K rooms), or room after room (`by-room`: a moderator, then
// that room's participants; a soak of thousands of rooms then has a few rooms live at a time,
// where round-robin would keep every room's moderator on the line). Moderator last: every
// participant is placed first and waits on hold; the moderators follow once all are parked.
import type { Role } from '../domain/roles.js';

export interface BenchRoom {
  /** The 8-digit room number. */
  number: string;
  /** The number dialled for this room (each room's account holds one). */
  dialled: string;
  moderatorPin: string;
  participantPin: string;
}

export interface PlannedCall {
  index: number;
  room: number;
  role: Role;
  /** Unique per call: AMI events are matched to calls by it (without the '+'). */
  callerNumber: string;
  dialled: string;
  digits: string;
}

export interface LoadPlan {
  /** Placed first, at the call rate. */
  first: PlannedCall[];
  /** Placed after every call of `first` is parked (moderator last); empty otherwise. */
  second: PlannedCall[];
}

export function callerNumber(index: number): string {
  return `+1555${String(index).padStart(7, '0')}`;
}

export type CallOrder = 'round-robin' | 'by-room';

export function planCalls(calls: number, rooms: readonly BenchRoom[], moderator: 'first' | 'last', order: CallOrder = 'round-robin'): LoadPlan {
  if (rooms.length === 0) throw new Error('no rooms to call');
  if (calls < 2 * rooms.length) throw new Error(`${calls} calls into ${rooms.length} rooms: every room needs a moderator and at least one participant`);
  const all = Array.from({ length: calls }, (_, index): PlannedCall => {
    const roomIndex = index % rooms.length;
    const room = rooms[roomIndex] as BenchRoom;
    const role: Role = index < rooms.length ? 'moderator' : 'participant';
    const pin = role === 'moderator' ? room.moderatorPin : room.participantPin;
    return { index, room: roomIndex, role, callerNumber: callerNumber(index), dialled: room.dialled, digits: `${room.number}#${pin}#` };
  });
  if (moderator === 'first') return { first: order === 'by-room' ? [...all].sort((a, b) => a.room - b.room || a.index - b.index) : all, second: [] };
  return { first: all.filter((c) => c.role === 'participant'), second: all.filter((c) => c.role === 'moderator') };
}
