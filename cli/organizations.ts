// tollbridge orgs create | show | invite | new-code | join | remove | leave
import pino from 'pino';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../config/logger.js';
import { createMailer } from '../app/accounts/mailer.js';
import { inviteMember } from '../app/accounts/organizations.js';
import type { Organization } from '../db/index.js';
import { UsageError, type Command } from './command.js';
import { readStdin } from './accounts.js';
import { ACCOUNT_HELP, accountArg, flag, noExtraPositionals, positional, requiredOption, resolveAccountId, when, withDatabase } from './open-db.js';

const ORG_HELP = 'ORG  the organization account id (digits) or its administrator e-mail address';

function describeOrganization(o: Organization): string {
  return [
    `organization ${o.account.id}: ${o.account.name} <${o.account.email}> (administrator account: no room, cannot join calls)`,
    `  join code: ${o.joinCode}`,
    o.members.length === 0 ? '  members: none' : '  members:',
    ...o.members.map((m) => `    account ${m.accountId} ${m.name} <${m.email}>, room ${m.roomNumber ?? '-'}, since ${when(m.joinedAt)}`),
  ].join('\n');
}

export const organizationCommands: Command[] = [
  {
    path: ['orgs', 'create'],
    summary: 'create an organization: its administrator account pays (subscriptions, one statement) and has no room',
    usage: 'orgs create --name NAME --email EMAIL [--password-stdin]',
    optionHelp: ['--name NAME       the organization\'s name', '--email EMAIL     the administrator\'s e-mail (sign-in name)', '--password-stdin  read the administrator\'s password from standard input'],
    options: { name: { type: 'string' }, email: { type: 'string' }, 'password-stdin': { type: 'boolean' } },
    async run(args, io) {
      noExtraPositionals(args, 0);
      const name = requiredOption(args, 'name', 'the organization\'s name, e.g. --name "Acme Ltd"');
      const email = requiredOption(args, 'email', 'the administrator\'s e-mail, e.g. --email admin@acme.example');
      const password = flag(args, 'password-stdin') ? await readStdin() : undefined;
      if (password === '') throw new UsageError('--password-stdin read an empty password');
      const org = await withDatabase((db) => db.organizations.create({ name, email, ...(password === undefined ? {} : { password }) }));
      io.result(org, `${describeOrganization(org)}\nnext: tollbridge numbers subscribe E164 --account ${org.account.id}; tollbridge orgs invite ${org.account.id} EMAIL`);
    },
  },
  {
    path: ['orgs', 'show'],
    summary: 'show an organization, its join code and current members',
    usage: 'orgs show ORG',
    optionHelp: [ORG_HELP],
    options: {},
    async run(args, io) {
      const ref = accountArg(args);
      const org = await withDatabase(async (db) => db.organizations.get(await resolveAccountId(db, ref)));
      io.result(org, describeOrganization(org));
    },
  },
  {
    path: ['orgs', 'invite'],
    summary: 'e-mail an invitation to join an organization (single-use, for that address only)',
    usage: 'orgs invite ORG EMAIL',
    optionHelp: [ORG_HELP, 'EMAIL  the address to invite'],
    options: {},
    async run(args, io) {
      noExtraPositionals(args, 2);
      const ref = positional(args, 0, 'the organization (id or administrator e-mail)');
      const email = positional(args, 1, 'the e-mail address to invite');
      const config = loadConfig();
      const log = createLogger(config.logLevel, pino.destination(2));
      const sent = await withDatabase(async (db) => inviteMember(db, createMailer(config.mail, log), log, await resolveAccountId(db, ref), email));
      io.result(sent, `invitation for ${sent.email} ${sent.mailed ? 'e-mailed' : 'stored (no SMTP server: TOLLBRIDGE_SMTP_URL is not set)'}; join code ${sent.joinCode}`);
    },
  },
  {
    path: ['orgs', 'new-code'],
    summary: 'give an organization a new join code: the old one stops working (members and invitations stay)',
    usage: 'orgs new-code ORG',
    optionHelp: [ORG_HELP],
    options: {},
    async run(args, io) {
      const ref = accountArg(args);
      const joinCode = await withDatabase(async (db) => db.organizations.replaceJoinCode(await resolveAccountId(db, ref)));
      io.result({ joinCode }, `new join code: ${joinCode} (the old one no longer works)`);
    },
  },
  {
    path: ['orgs', 'join'],
    summary: 'add a personal account to an organization by its join code',
    usage: 'orgs join ACCOUNT --code CODE',
    optionHelp: [ACCOUNT_HELP, '--code CODE  the organization\'s join code'],
    options: { code: { type: 'string' } },
    async run(args, io) {
      const ref = accountArg(args);
      const code = requiredOption(args, 'code', 'the join code, e.g. --code K7PQ2XMA9R');
      const org = await withDatabase(async (db) => db.organizations.joinByCode(await resolveAccountId(db, ref), code));
      io.result(org, `joined ${org.account.name} (organization ${org.account.id}): its numbers now reach this account's room and are billed to it`);
    },
  },
  {
    path: ['orgs', 'remove'],
    summary: 'remove a member from an organization (their room stays theirs; the join code is replaced)',
    usage: 'orgs remove ORG MEMBER',
    optionHelp: [ORG_HELP, 'MEMBER  the member account id or e-mail'],
    options: {},
    async run(args, io) {
      noExtraPositionals(args, 2);
      const orgRef = positional(args, 0, 'the organization');
      const memberRef = positional(args, 1, 'the member');
      const ids = await withDatabase(async (db) => {
        const orgId = await resolveAccountId(db, orgRef);
        const memberId = await resolveAccountId(db, memberRef);
        const joinCode = await db.organizations.remove(orgId, memberId);
        return { organizationId: orgId, memberId, joinCode };
      });
      io.result(ids, `account ${ids.memberId} removed from organization ${ids.organizationId}; new join code: ${ids.joinCode} (the old one no longer works)`);
    },
  },
  {
    path: ['orgs', 'leave'],
    summary: 'a member leaves their organization (their usage so far stays on its statement)',
    usage: 'orgs leave ACCOUNT',
    optionHelp: [ACCOUNT_HELP],
    options: {},
    async run(args, io) {
      const ref = accountArg(args);
      const id = await withDatabase(async (db) => {
        const accountId = await resolveAccountId(db, ref);
        await db.organizations.leave(accountId);
        return accountId;
      });
      io.result({ accountId: id }, `account ${id} left its organization`);
    },
  },
];
