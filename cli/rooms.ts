// tollbridge rooms show | set-pins | set
import type { ModeratorLeavePolicy } from '../domain/rooms.js';
import type { RoomSettings } from '../db/repositories/rooms.js';
import type { RoomAnnouncements } from '../domain/rooms.js';
import { parseMoney } from '../domain/money.js';
import type { SpendCap } from '../domain/spend-cap.js';
import { describeRoom } from './accounts.js';
import { UsageError, type Command } from './command.js';
import { flag, integerOption, noExtraPositionals, option, positional, requiredOption, withDatabase } from './open-db.js';

const ROOM_ARG = 'ROOM (the 8-digit room number)';
const ROOM_HELP = 'ROOM  the 8-digit room number (tollbridge accounts show ACCOUNT prints it)';
const POLICIES: readonly ModeratorLeavePolicy[] = ['end', 'continue', 'wait'];
/** `rooms set` options for the announcement settings, each on|off. */
const ANNOUNCEMENT_OPTIONS: ReadonlyArray<[string, keyof RoomAnnouncements]> = [
  ['tones', 'joinLeaveTones'],
  ['announce-count', 'announceCount'],
  ['alone-music', 'aloneMusic'],
  ['record-names', 'recordNames'],
  ['recording-consent', 'recordingConsent'],
  ['keep-recordings', 'keepRecordings'],
];

async function readAll(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('moderator PIN and participant PIN, one per line (then Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Two PINs from standard input: the moderator's, then the participant's, separated by white space. */
export function pinsFromStdin(text: string): [string, string] {
  const words = text.split(/\s+/).filter((w) => w !== '');
  if (words.length !== 2) throw new UsageError(`--pins-stdin expects two PINs (moderator, then participant), one per line; got ${words.length}`);
  return [words[0] as string, words[1] as string];
}

/** --spend-cap and --spend-cap-grace: undefined where not given, null for none; null when neither is given. */
function spendCapOptions(args: Parameters<Command['run']>[0]): { monthlyMicros: number | null | undefined; graceSeconds: number | null | undefined } | null {
  const monthly = option(args, 'spend-cap');
  const grace = option(args, 'spend-cap-grace');
  if (monthly === undefined && grace === undefined) return null;
  if (monthly?.trim() === 'none' && grace !== undefined) throw new UsageError('--spend-cap none removes the cap: give no --spend-cap-grace with it');
  return {
    monthlyMicros: monthly === undefined ? undefined : monthly.trim() === 'none' ? null : parseMoney(monthly),
    graceSeconds: grace === undefined ? undefined : grace.trim() === 'none' ? null : integerOption(args, 'spend-cap-grace', 'seconds, 0 to 86400, or none'),
  };
}

/** A grace alone changes the grace of the cap the room has. */
function withGrace(cap: SpendCap | null, graceSeconds: number | null | undefined): SpendCap {
  if (cap === null) throw new UsageError('the room has no spend cap: give --spend-cap AMOUNT with --spend-cap-grace');
  return { monthlyMicros: cap.monthlyMicros, graceSeconds: graceSeconds ?? null };
}

/** A new cap (no grace given: calls in progress finish), or none. */
function newCap(monthlyMicros: number | null, graceSeconds: number | null | undefined): SpendCap | null {
  return monthlyMicros === null ? null : { monthlyMicros, graceSeconds: graceSeconds ?? null };
}

/** An on|off option's value as a setting. */
function onOffOption(name: string, value: string): boolean {
  if (value !== 'on' && value !== 'off') throw new UsageError(`--${name} must be on or off, not "${value}"`);
  return value === 'on';
}

function roomArg(args: Parameters<Command['run']>[0]): string {
  const room = positional(args, 0, ROOM_ARG);
  noExtraPositionals(args, 1);
  return room.trim();
}

export const roomCommands: Command[] = [
  {
    path: ['rooms', 'show'],
    summary: 'show a room and its settings (whether PINs are set, never the PINs)',
    usage: 'rooms show ROOM',
    optionHelp: [ROOM_HELP],
    options: {},
    async run(args, io) {
      const number = roomArg(args);
      const room = await withDatabase((db) => db.rooms.get(number));
      io.result(room, describeRoom(room));
    },
  },
  {
    path: ['rooms', 'set-pins'],
    summary: "set a room's moderator and participant PINs (4-8 digits each, different, no patterns such as 1111, 1212 or 1234); they apply to the next caller",
    usage: 'rooms set-pins ROOM --pins-stdin',
    optionHelp: [
      ROOM_HELP,
      '--pins-stdin       read the moderator PIN, then the participant PIN, from standard input (one per line, or separated by a space):',
      '                   printf "%s\\n%s\\n" "$MOD" "$PART" | tollbridge rooms set-pins ROOM --pins-stdin',
      '--moderator PIN    (still accepted, with a warning: a PIN on the command line is visible to every user of the machine in `ps`)',
      '--participant PIN  (likewise)',
      'PINs that are one digit repeated (0000), a group repeated (1212, 123123) or a run up or down (1234, 4321) are refused;',
      'the moderator PIN needs at least TOLLBRIDGE_MODERATOR_PIN_MIN_DIGITS digits (6 or more recommended).',
    ],
    options: { moderator: { type: 'string' }, participant: { type: 'string' }, 'pins-stdin': { type: 'boolean' } },
    async run(args, io) {
      const number = roomArg(args);
      let moderator: string;
      let participant: string;
      if (flag(args, 'pins-stdin')) {
        if (option(args, 'moderator') !== undefined || option(args, 'participant') !== undefined) throw new UsageError('give the PINs either on standard input (--pins-stdin) or as options, not both');
        [moderator, participant] = pinsFromStdin(await readAll());
      } else {
        moderator = requiredOption(args, 'moderator', 'the moderator PIN, 4 to 8 digits (better: --pins-stdin)');
        participant = requiredOption(args, 'participant', 'the participant PIN, 4 to 8 digits (better: --pins-stdin)');
        // Not with --json: there stderr carries only the one JSON error document, if any.
        if (!io.json) io.stderr('tollbridge: warning: PINs on the command line can be read by every user of this machine (ps, shell history); use --pins-stdin');
      }
      const room = await withDatabase((db) => db.rooms.setPins(number, { moderator, participant }));
      io.result(room, `PINs set for room ${room.number}`);
    },
  },
  {
    path: ['rooms', 'set'],
    summary: "change a room's settings (give at least one)",
    usage: 'rooms set ROOM [--on-moderator-leave end|continue|wait] [--language en] [--max-participants N] [--locked|--unlocked] [--tones|--announce-count|--alone-music|--record-names|--recording-consent|--keep-recordings on|off] [--callback on|off] [--spend-cap AMOUNT|none] [--spend-cap-grace SECONDS|none]',
    optionHelp: [
      ROOM_HELP,
      '--on-moderator-leave POLICY  when the last moderator leaves: end (hang everyone up), continue (the call goes on) or wait (back to hold music)',
      '--language CODE              language of the prompts, e.g. en or fr',
      '--max-participants N         most callers in the room at once, 2 to 1000',
      '--locked                     admit only moderators',
      '--unlocked                   admit participants again',
      '--tones on|off               a tone in the conference when someone joins or leaves (default on)',
      '--announce-count on|off      on entry, the caller hears how many others are in (default on)',
      '--alone-music on|off         music on hold while alone in a live conference (default on)',
      '--record-names on|off        callers record their name at entry; the room hears "<name> has joined / left" (default off)',
      '--recording-consent on|off   while the conference is recorded, joining callers press 1 to accept or are kept out (default off)',
      '--keep-recordings on|off     keep name recordings after the call (default off: deleted when the caller leaves)',
      '--callback on|off            a participant waiting for the moderator may hang up and be called back when one arrives;',
      '                             each callback is charged to the room\'s owner at the callback rate (default on)',
      '--spend-cap AMOUNT|none      most the room\'s toll-free calls and callbacks may cost in a month (UTC), e.g. 25.00; none removes the cap.',
      '                             From 80 %: moderators hear a tone on joining, the owner gets one e-mail; at the cap new participants are refused',
      '--spend-cap-grace SECONDS|none  at the cap, end calls in progress after this many seconds (0 to 86400); none (the default): they finish',
    ],
    options: {
      'on-moderator-leave': { type: 'string' },
      language: { type: 'string' },
      'max-participants': { type: 'string' },
      locked: { type: 'boolean' },
      unlocked: { type: 'boolean' },
      'spend-cap': { type: 'string' },
      'spend-cap-grace': { type: 'string' },
      callback: { type: 'string' },
      ...Object.fromEntries(ANNOUNCEMENT_OPTIONS.map(([option]) => [option, { type: 'string' as const }])),
    },
    async run(args, io) {
      const number = roomArg(args);
      const settings: RoomSettings = {};
      const policy = option(args, 'on-moderator-leave');
      if (policy !== undefined) {
        if (!(POLICIES as readonly string[]).includes(policy)) throw new UsageError(`--on-moderator-leave must be end, continue or wait, not "${policy}"`);
        settings.onModeratorLeave = policy as ModeratorLeavePolicy;
      }
      const language = option(args, 'language');
      if (language !== undefined) settings.language = language;
      const max = integerOption(args, 'max-participants', '2 to 1000');
      if (max !== undefined) settings.maxParticipants = max;
      if (flag(args, 'locked') && flag(args, 'unlocked')) throw new UsageError('give --locked or --unlocked, not both');
      if (flag(args, 'locked')) settings.locked = true;
      if (flag(args, 'unlocked')) settings.locked = false;
      const announcements: Partial<RoomAnnouncements> = {};
      for (const [name, setting] of ANNOUNCEMENT_OPTIONS) {
        const value = option(args, name);
        if (value !== undefined) announcements[setting] = onOffOption(name, value);
      }
      if (Object.keys(announcements).length > 0) settings.announcements = announcements;
      const callback = option(args, 'callback');
      if (callback !== undefined) settings.callbackEnabled = onOffOption('callback', callback);
      const cap = spendCapOptions(args);
      if (Object.keys(settings).length === 0 && cap === null) {
        throw new UsageError(`nothing to change: give at least one of --on-moderator-leave, --language, --max-participants, --locked, --unlocked, ${ANNOUNCEMENT_OPTIONS.map(([o]) => `--${o}`).join(', ')}, --callback, --spend-cap, --spend-cap-grace`);
      }
      const room = await withDatabase(async (db) => {
        if (cap !== null) settings.spendCap = cap.monthlyMicros === undefined ? withGrace((await db.rooms.get(number)).spendCap, cap.graceSeconds) : newCap(cap.monthlyMicros, cap.graceSeconds);
        return db.rooms.updateSettings(number, settings);
      });
      io.result(room, describeRoom(room));
    },
  },
];
