// tollbridge pins list | pins clear: the PIN-guessing locks (db/repositories/pin-failures.ts).
// Callers are stored as a keyed hash of their number: the list shows that hash (or
// "withheld"), and a caller's lock is cleared by typing the number (hashed here) or the hash.
import type { PinCounter } from '../domain/pin-locks.js';
import { UsageError, type Command } from './command.js';
import { flag, noExtraPositionals, option, when, withDatabase } from './open-db.js';
import { shown } from './terminal-text.js';

const HASH = /^h1:[A-Za-z0-9_-]{43}$/;

function counterLine(c: PinCounter): string {
  const who = c.scope === 'room'
    ? `room ${c.roomNumber ?? `id ${String(c.roomId)} (deleted?)`}, ${c.kind} PIN`
    : c.caller === 'withheld' ? 'caller withheld (all withheld numbers count as one)' : `caller with number hash ${shown(c.caller ?? '?')} (keyed hash; the number is not stored)`;
  const state = c.lockedUntil === null ? `${c.failures} wrong PINs since ${when(c.windowStartedAt)}` : `LOCKED until ${when(c.lockedUntil)} after ${c.failures} wrong PINs`;
  return `${who}: ${state}; last ${when(c.lastFailureAt)}`;
}

export const pinCommands: Command[] = [
  {
    path: ['pins', 'list'],
    summary: 'PIN-guessing locks in force (rooms, and callers by a keyed hash of their number); --all: running counts too',
    usage: 'pins list [--all]',
    optionHelp: ['--all  also rooms and callers with wrong PINs in the window that are not locked'],
    options: { all: { type: 'boolean' } },
    async run(args, io) {
      noExtraPositionals(args, 0);
      const all = flag(args, 'all');
      const counters = await withDatabase((db) => db.pinFailures.counters({ all }));
      io.result(counters, counters.length === 0 ? (all ? 'no wrong PINs on record' : 'no PIN locks in force') : counters.map(counterLine).join('\n'));
    },
  },
  {
    path: ['pins', 'clear'],
    summary: "lift a PIN-guessing lock and forget the wrong PINs: a room's (both PINs) or a caller's",
    usage: 'pins clear (ROOM | --caller NUMBER | --caller-hash h1:… | --withheld)',
    optionHelp: [
      'ROOM  the 8-digit room number: its moderator and participant PIN counts',
      '--caller NUMBER  the calling number as the carrier sends it (e.g. +15550001234): hashed, then cleared',
      '--caller-hash HASH  a caller as `pins list` shows it (h1:…)',
      '--withheld  the one count of all callers without a number',
    ],
    options: { caller: { type: 'string' }, 'caller-hash': { type: 'string' }, withheld: { type: 'boolean' } },
    async run(args, io) {
      noExtraPositionals(args, 1);
      const room = args.positionals[0];
      const caller = option(args, 'caller');
      const hash = option(args, 'caller-hash');
      const withheld = flag(args, 'withheld');
      if ([room, caller, hash].filter((v) => v !== undefined).length + (withheld ? 1 : 0) !== 1) {
        throw new UsageError('give exactly one of ROOM, --caller NUMBER, --caller-hash HASH, --withheld');
      }
      if (hash !== undefined && !HASH.test(hash.trim())) throw new UsageError(`--caller-hash takes a hash as \`tollbridge pins list\` shows it (h1: and 43 characters), not "${shown(hash)}"`);
      if (caller !== undefined && caller.trim() === '') throw new UsageError('--caller takes the calling number, e.g. --caller +15550001234 (--withheld for callers without one)');
      const cleared = await withDatabase(async (db) => {
        if (room !== undefined) return db.pinFailures.clearRoom((await db.rooms.get(room.trim())).id);
        if (hash !== undefined) return db.pinFailures.clearCaller({ hash: hash.trim() });
        return db.pinFailures.clearCaller(withheld ? null : (caller ?? '').trim());
      });
      const what = room !== undefined ? `room ${room.trim()}` : withheld ? 'withheld callers' : 'that caller';
      io.result({ cleared }, cleared === 0 ? `nothing on record for ${what}: no lock to lift` : `cleared ${what}: lock lifted, wrong PINs forgotten`);
    },
  },
];
