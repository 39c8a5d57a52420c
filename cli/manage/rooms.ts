// tollbridge rooms show | set-pins | set
import type { ModeratorLeave, Room } from '../../db/index.js';
import { UsageError, type Command } from '../command.js';
import { intOption, option, positional, requiredOption, withDatabase } from './context.js';

const describe = (r: Room) =>
  `room ${r.number} (account ${r.accountId}): PINs ${r.pinsSet ? 'set' : 'NOT set'}, on moderator leave: ${r.onModeratorLeave}, language ${r.language}, max participants ${r.maxParticipants}${r.locked ? ', locked' : ''}`;

export const roomCommands: Command[] = [
  {
    path: ['rooms', 'show'],
    summary: 'show a room and its settings (never its PINs)',
    usage: 'rooms show ROOM',
    optionHelp: ['ROOM  the 8-digit room number'],
    options: {},
    async run(args, io) {
      const number = positional(args, 0, 'ROOM (8-digit room number)');
      const room = await withDatabase((db) => db.rooms.get(number));
      io.result(room, describe(room));
    },
  },
  {
    path: ['rooms', 'set-pins'],
    summary: 'set the moderator and participant PINs (4-8 digits, different)',
    usage: 'rooms set-pins ROOM --moderator PIN --participant PIN',
    optionHelp: ['--moderator PIN    4-8 digits: callers with it lead the conference', '--participant PIN  4-8 digits, not the moderator PIN'],
    options: { moderator: { type: 'string' }, participant: { type: 'string' } },
    async run(args, io) {
      const number = positional(args, 0, 'ROOM (8-digit room number)');
      const moderator = requiredOption(args, 'moderator', '4-8 digits');
      const participant = requiredOption(args, 'participant', '4-8 digits');
      const room = await withDatabase((db) => db.rooms.setPins(number, { moderator, participant }));
      io.result(room, `PINs set for room ${room.number}`);
    },
  },
  {
    path: ['rooms', 'set'],
    summary: 'change room settings',
    usage: 'rooms set ROOM [--on-moderator-leave end|continue|wait] [--language en] [--max-participants N] [--locked|--unlocked]',
    optionHelp: [
      '--on-moderator-leave P  end (everyone is hung up), continue (the call goes on) or wait (back to hold music)',
      '--language CODE         prompt language, e.g. en',
      '--max-participants N    2 to 1000',
      '--locked / --unlocked   a locked room admits only moderators',
    ],
    options: { 'on-moderator-leave': { type: 'string' }, language: { type: 'string' }, 'max-participants': { type: 'string' }, locked: { type: 'boolean' }, unlocked: { type: 'boolean' } },
    async run(args, io) {
      const number = positional(args, 0, 'ROOM (8-digit room number)');
      const policy = option(args, 'on-moderator-leave');
      if (policy !== undefined && !['end', 'continue', 'wait'].includes(policy)) throw new UsageError('--on-moderator-leave must be end, continue or wait');
      if (args.values.locked === true && args.values.unlocked === true) throw new UsageError('choose --locked or --unlocked, not both');
      const language = option(args, 'language');
      const max = intOption(args, 'max-participants');
      const settings = {
        ...(policy === undefined ? {} : { onModeratorLeave: policy as ModeratorLeave }),
        ...(language === undefined ? {} : { language }),
        ...(max === undefined ? {} : { maxParticipants: max }),
        ...(args.values.locked === true ? { locked: true } : args.values.unlocked === true ? { locked: false } : {}),
      };
      if (Object.keys(settings).length === 0) throw new UsageError('give at least one setting to change');
      const room = await withDatabase((db) => db.rooms.updateSettings(number, settings));
      io.result(room, describe(room));
    },
  },
];
