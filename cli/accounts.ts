// tollbridge accounts create | show | deactivate
import type { Account, Room, Subscription } from '../db/index.js';
import { formatMoney } from '../domain/money.js';
import { shown } from './terminal-text.js';
import { UsageError, type Command } from './command.js';
import { ACCOUNT_HELP, accountArg, flag, noExtraPositionals, requiredOption, resolveAccountId, when, withDatabase } from './open-db.js';

/** Everything on standard input, without the one final newline (a password may end in spaces). */
export async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password (then Enter and Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

const onOff = (on: boolean) => (on ? 'on' : 'off');

export function describeRoom(r: Room): string {
  return [
    `room ${r.number} (account ${r.accountId})`,
    `  PINs:                ${r.pinsSet ? 'set' : 'NOT set (tollbridge rooms set-pins ' + r.number + ' --pins-stdin)'}`,
    `  on moderator leave:  ${r.onModeratorLeave}`,
    `  language:            ${r.language}`,
    `  max participants:    ${r.maxParticipants}`,
    `  locked:              ${r.locked ? 'yes (only moderators get in)' : 'no'}`,
    `  join/leave tones:    ${onOff(r.announcements.joinLeaveTones)}`,
    `  count on entry:      ${onOff(r.announcements.announceCount)}`,
    `  music when alone:    ${onOff(r.announcements.aloneMusic)}`,
    `  name recording:      ${onOff(r.announcements.recordNames)}`,
    `  recording consent:   ${r.announcements.recordingConsent ? 'required (press 1)' : 'not asked'}`,
    `  keep recordings:     ${r.announcements.keepRecordings ? 'yes' : 'no (name recordings deleted after the call)'}`,
    `  callback:            ${r.callbackEnabled ? 'on (a waiting participant may ask to be called back when the moderator arrives)' : 'off'}`,
    `  spend cap:           ${r.spendCap === null ? 'none' : `${formatMoney(r.spendCap.monthlyMicros, 6)} a month, ${r.spendCap.graceSeconds === null ? 'calls in progress finish' : `calls in progress end ${r.spendCap.graceSeconds} s after`}`}`,
  ].join('\n');
}

function describeAccount(a: Account): string {
  return `account ${a.id}: ${shown(a.name)} <${shown(a.email)}>${a.deactivatedAt === null ? '' : `, DEACTIVATED ${when(a.deactivatedAt)}`}`;
}

export const accountCommands: Command[] = [
  {
    path: ['accounts', 'create'],
    summary: 'create an account with its personal room (its room number is permanent)',
    usage: 'accounts create --name NAME --email EMAIL [--password-stdin]',
    optionHelp: [
      "--name NAME       the account owner's name (1-200 characters)",
      '--email EMAIL     e-mail address, unique among accounts (stored lower-case); unsubscribe confirmations go there',
      '--password-stdin  read a password (8 characters or more) for the HTTP API from standard input; the final newline is dropped',
    ],
    options: { name: { type: 'string' }, email: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    async run(args, io) {
      noExtraPositionals(args, 0);
      const name = requiredOption(args, 'name', "the owner's name, e.g. --name 'Ada Lovelace'");
      const email = requiredOption(args, 'email', 'an e-mail address, e.g. --email ada@example.com');
      const password = flag(args, 'password-stdin') ? await readStdin() : undefined;
      if (password === '') throw new UsageError('--password-stdin read an empty password: pipe one in, e.g. printf %s "$PASSWORD" | tollbridge accounts create ...');
      const { account, room } = await withDatabase((db) => db.accounts.create({ name, email, ...(password === undefined ? {} : { password }) }));
      io.result(
        { id: account.id, roomNumber: room.number, account, room },
        [
          `account ${account.id} created for ${shown(account.name)} <${shown(account.email)}>${account.hasPassword ? ' (with a password)' : ''}`,
          `room number ${room.number} (permanent)`,
          `next: printf '%s\\n%s\\n' MODERATOR_PIN PARTICIPANT_PIN | tollbridge rooms set-pins ${room.number} --pins-stdin`,
        ].join('\n'),
      );
    },
  },
  {
    path: ['accounts', 'show'],
    summary: 'show an account, its room and settings (never PINs) and its live subscriptions',
    usage: 'accounts show ACCOUNT',
    optionHelp: [ACCOUNT_HELP],
    options: {},
    async run(args, io) {
      const ref = accountArg(args);
      const doc = await withDatabase(async (db) => {
        const id = await resolveAccountId(db, ref);
        const account = await db.accounts.get(id);
        const [room] = await db.rooms.forAccount(id);
        const subscriptions: Subscription[] = (await db.numbers.subscriptionsFor(id)).filter((s) => s.endedAt === null);
        return { account, roomNumber: room?.number ?? null, room: room ?? null, subscriptions };
      });
      io.result(
        doc,
        [
          describeAccount(doc.account),
          `  created ${when(doc.account.createdAt)}; HTTP API password ${doc.account.hasPassword ? 'set' : 'not set'}`,
          doc.room === null ? 'no room' : describeRoom(doc.room),
          doc.subscriptions.length === 0 ? 'numbers: none' : 'numbers:',
          ...doc.subscriptions.map((s) => `  ${s.e164} since ${when(s.startedAt)}`),
        ].join('\n'),
      );
    },
  },
  {
    path: ['accounts', 'deactivate'],
    summary: 'deactivate an account for good: its numbers go to quarantine, its room number is never reissued',
    usage: 'accounts deactivate ACCOUNT',
    optionHelp: [ACCOUNT_HELP],
    options: {},
    async run(args, io) {
      const ref = accountArg(args);
      const account = await withDatabase(async (db) => db.accounts.deactivate(await resolveAccountId(db, ref)));
      io.result(account, `account ${account.id} (${shown(account.email)}) deactivated at ${when(account.deactivatedAt)}; its numbers are in quarantine`);
    },
  },
];
