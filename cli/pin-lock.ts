// tollbridge pins show ROOM | pins lift ROOM: a room's PIN-guessing lock as its owner sees it on
// the web page and in the API (GET/DELETE /v1/accounts/{id}/room/pin-lock), for an operator
// helping an owner. A lift lets the right PIN in again and keeps the wrong PINs counted: until
// the lock would have ended, the next wrong PIN locks again. (`pins clear` forgets them too.)
import { PIN_KINDS, type PinKind, type RoomPinLock } from '../domain/pin-locks.js';
import { UsageError, type Command } from './command.js';
import { noExtraPositionals, option, positional, when, withDatabase } from './open-db.js';

const ROOM_HELP = 'ROOM  the 8-digit room number';

export function pinLockLine(lock: RoomPinLock): string {
  const head = `${lock.kind} PIN:`;
  if (lock.locked) return `${head} LOCKED since ${when(lock.lockedSince)} until ${when(lock.lockedUntil)} after ${lock.failures} wrong PINs (first ${when(lock.firstFailureAt)}, last ${when(lock.lastFailureAt)})`;
  if (lock.liftedAt !== null) return `${head} lock lifted ${when(lock.liftedAt)}; ${lock.failures} wrong PINs still counted: one more before ${when(lock.relocksUntil)} locks it again`;
  if (lock.failures > 0) return `${head} not locked; ${lock.failures} wrong PINs since ${when(lock.firstFailureAt)}`;
  return `${head} not locked, no wrong PINs`;
}

function roomArg(args: Parameters<Command['run']>[0]): string {
  const room = positional(args, 0, 'ROOM (the 8-digit room number)');
  noExtraPositionals(args, 1);
  return room.trim();
}

export const pinLockCommands: Command[] = [
  {
    path: ['pins', 'show'],
    summary: "a room's PIN-guessing lock as its owner sees it: each PIN kind locked or not, since and until when, how many wrong PINs",
    usage: 'pins show ROOM',
    optionHelp: [ROOM_HELP],
    options: {},
    async run(args, io) {
      const number = roomArg(args);
      const locks = await withDatabase(async (db) => db.pinFailures.roomLocks((await db.rooms.get(number)).id));
      io.result({ room: number, ...locks }, [`room ${number}`, pinLockLine(locks.moderator), pinLockLine(locks.participant)].join('\n'));
    },
  },
  {
    path: ['pins', 'lift'],
    summary: "lift a room's PIN-guessing lock as its owner would: the right PIN gets in again; the wrong PINs stay counted, so the next one locks again until the lock would have ended",
    usage: 'pins lift ROOM [--kind moderator|participant]',
    optionHelp: [
      ROOM_HELP,
      '--kind KIND  only the moderator or only the participant PIN (default: both)',
      'Changing the PIN (rooms set-pins) lifts its lock and forgets the wrong PINs; pins clear forgets them without a change.',
    ],
    options: { kind: { type: 'string' } },
    async run(args, io) {
      const number = roomArg(args);
      const kind = option(args, 'kind');
      if (kind !== undefined && !(PIN_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind is moderator or participant, not "${kind}"`);
      const kinds: PinKind[] = kind === undefined ? [...PIN_KINDS] : [kind as PinKind];
      const lifted = await withDatabase(async (db) => db.pinFailures.liftRoomLock((await db.rooms.get(number)).id, kinds));
      io.result({ room: number, lifted }, lifted.length === 0 ? `room ${number}: no PIN lock in force, nothing lifted` : `room ${number}: ${lifted.join(' and ')} PIN lock lifted; the right PIN gets in again`);
    },
  },
];
