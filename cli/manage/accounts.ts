// tollbridge accounts create | show | deactivate
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { accountId, positional, requiredOption, withDatabase } from './context.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

export const accountCommands: Command[] = [
  {
    path: ['accounts', 'create'],
    summary: 'create an account with its personal room (permanent room number)',
    usage: 'accounts create --name NAME --email EMAIL [--password-stdin]',
    optionHelp: ['--name NAME       the account owner\'s name', '--email EMAIL     unique e-mail address (lower-cased)', '--password-stdin  read a password for the HTTP API from standard input'],
    options: { name: { type: 'string' }, email: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    async run(args, io) {
      const name = requiredOption(args, 'name', 'the owner\'s name');
      const email = requiredOption(args, 'email', 'an e-mail address');
      const password = args.values['password-stdin'] === true ? await readStdin() : undefined;
      if (password === '') throw new UsageError('--password-stdin read an empty password');
      const { account, room } = await withDatabase((db) => db.accounts.create({ name, email, ...(password === undefined ? {} : { password }) }));
      io.result({ account, room }, `account ${account.id} (${account.email}) created; personal room ${room.number} (set its PINs: tollbridge rooms set-pins ${room.number} --moderator PIN --participant PIN)`);
    },
  },
  {
    path: ['accounts', 'show'],
    summary: 'show an account, its room and its subscriptions',
    usage: 'accounts show ACCOUNT',
    optionHelp: ['ACCOUNT  account id or e-mail'],
    options: {},
    async run(args, io) {
      const ref = positional(args, 0, 'ACCOUNT (id or e-mail)');
      const doc = await withDatabase(async (db) => {
        const id = await accountId(db, ref);
        return { account: await db.accounts.get(id), rooms: await db.rooms.forAccount(id), subscriptions: await db.numbers.subscriptionsFor(id) };
      });
      const room = doc.rooms[0];
      io.result(doc, [
        `account ${doc.account.id}: ${doc.account.name} <${doc.account.email}>${doc.account.deactivatedAt === null ? '' : ` (deactivated ${new Date(doc.account.deactivatedAt).toISOString()})`}`,
        room === undefined ? 'no room' : `room ${room.number}: PINs ${room.pinsSet ? 'set' : 'NOT set'}, on moderator leave: ${room.onModeratorLeave}, language ${room.language}, max ${room.maxParticipants}${room.locked ? ', locked' : ''}`,
        ...doc.subscriptions.map((s) => `number ${s.e164}: since ${new Date(s.startedAt).toISOString()}${s.endedAt === null ? '' : ` until ${new Date(s.endedAt).toISOString()}`}`),
      ].join('\n'));
    },
  },
  {
    path: ['accounts', 'deactivate'],
    summary: 'deactivate an account (irreversible; its numbers go to quarantine, its room number is never reissued)',
    usage: 'accounts deactivate ACCOUNT',
    optionHelp: ['ACCOUNT  account id or e-mail'],
    options: {},
    async run(args, io) {
      const ref = positional(args, 0, 'ACCOUNT (id or e-mail)');
      const account = await withDatabase(async (db) => db.accounts.deactivate(await accountId(db, ref)));
      io.result(account, `account ${account.id} deactivated`);
    },
  },
];
