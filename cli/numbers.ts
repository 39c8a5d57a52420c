// tollbridge numbers add | list | subscribe | unsubscribe
import { createMailer } from '../app/accounts/mailer.js';
import { unsubscribe } from '../app/accounts/subscriptions.js';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../config/logger.js';
import type { PhoneNumber } from '../db/index.js';
import type { NumberKind } from '../domain/numbers.js';
import { formatMoney, roundToCents } from '../domain/money.js';
import { UsageError, type Command, type ParsedArgs } from './command.js';
import { flag, noExtraPositionals, option, positional, requiredOption, resolveAccountId, when, withDatabase } from './open-db.js';

const E164_ARG = 'E164 (the number with its +, e.g. +18005550100)';
const E164_HELP = 'E164  the number in E.164 form: + then 8 to 15 digits, e.g. +18005550100';
const ACCOUNT_OPTION_HELP = '--account ACCOUNT  the account id (digits) or its e-mail address';

/** --kind as a NumberKind; `required` says whether it may be absent. */
export function kindOption(args: ParsedArgs, required: true): NumberKind;
export function kindOption(args: ParsedArgs, required: false): NumberKind | undefined;
export function kindOption(args: ParsedArgs, required: boolean): NumberKind | undefined {
  const raw = option(args, 'kind');
  if (raw === undefined) {
    if (required) throw new UsageError('--kind is required: --kind must be toll_free or local');
    return undefined;
  }
  if (raw !== 'toll_free' && raw !== 'local') throw new UsageError(`--kind must be toll_free or local, not "${raw}"`);
  return raw;
}

/** Money for people: rounded half-up to cents, two decimals (JSON carries the exact micros). */
export function money(micros: number): string {
  return formatMoney(roundToCents(micros), 2);
}

function numberArg(args: ParsedArgs): string {
  const e164 = positional(args, 0, E164_ARG);
  noExtraPositionals(args, 1);
  return e164.trim();
}

function describeNumber(n: PhoneNumber): string {
  const state =
    n.state === 'subscribed' ? `subscribed by account ${n.accountId ?? '?'}` : n.state === 'quarantined' ? `quarantined until ${when(n.availableAt)}` : 'available';
  return `${n.e164.padEnd(17)}${n.kind.padEnd(10)}${state}`;
}

export const numberCommands: Command[] = [
  {
    path: ['numbers', 'add'],
    summary: 'operator: add a dial-in number to the inventory',
    usage: 'numbers add E164 --kind toll_free|local',
    optionHelp: [E164_HELP, '--kind KIND  toll_free (callers are charged at the toll_free rate) or local (charged at the local rate)'],
    options: { kind: { type: 'string' } },
    async run(args, io) {
      const e164 = numberArg(args);
      const kind = kindOption(args, true);
      const number = await withDatabase((db) => db.numbers.add(e164, kind));
      io.result(number, `added ${number.e164} (${number.kind}); it is ${number.state}`);
    },
  },
  {
    path: ['numbers', 'list'],
    summary: 'list the number inventory with each number\'s state',
    usage: 'numbers list [--available] [--kind toll_free|local]',
    optionHelp: ['--available  only numbers an account can subscribe to now (not subscribed, not in quarantine)', '--kind KIND  only toll_free or only local numbers'],
    options: { available: { type: 'boolean' }, kind: { type: 'string' } },
    async run(args, io) {
      noExtraPositionals(args, 0);
      const kind = kindOption(args, false);
      const availableOnly = flag(args, 'available');
      const numbers = await withDatabase((db) => db.numbers.list({ availableOnly, ...(kind === undefined ? {} : { kind }) }));
      const what = [availableOnly ? 'available' : '', kind ?? ''].filter((w) => w !== '').join(' ');
      io.result(numbers, numbers.length === 0 ? `no ${what === '' ? '' : what + ' '}numbers` : numbers.map(describeNumber).join('\n'));
    },
  },
  {
    path: ['numbers', 'subscribe'],
    summary: "operator: subscribe an account to an available number (toll-free or local; owners' own limits do not apply): its callers reach the account's room at once",
    usage: 'numbers subscribe E164 --account ACCOUNT',
    optionHelp: [E164_HELP, ACCOUNT_OPTION_HELP],
    options: { account: { type: 'string' } },
    async run(args, io) {
      const e164 = numberArg(args);
      const ref = requiredOption(args, 'account', 'the account id or e-mail, e.g. --account ada@example.com');
      const { subscription, roomNumber } = await withDatabase(async (db) => {
        const accountId = await resolveAccountId(db, ref);
        // The operator's command: local numbers too, and the owner limits do not apply.
        const s = await db.numbers.subscribe(e164, accountId, { asOperator: true });
        const [room] = await db.rooms.forAccount(accountId);
        return { subscription: s, roomNumber: room?.number ?? null };
      });
      io.result(subscription, `${subscription.e164} now answers for account ${subscription.accountId}${roomNumber === null ? '' : ` (room ${roomNumber})`}`);
    },
  },
  {
    path: ['numbers', 'unsubscribe'],
    summary: "end an account's subscription to a number; prints (and e-mails) that number's usage and charges this period",
    usage: 'numbers unsubscribe E164 --account ACCOUNT',
    optionHelp: [E164_HELP, `${ACCOUNT_OPTION_HELP}; calls in progress go on and are billed, new calls are refused`],
    options: { account: { type: 'string' } },
    async run(args, io) {
      const e164 = numberArg(args);
      const ref = requiredOption(args, 'account', 'the account id or e-mail, e.g. --account ada@example.com');
      const config = loadConfig();
      // Logs go to stderr so stdout stays one JSON document; info-level chatter is left out.
      const log = createLogger(config.logLevel === 'debug' || config.logLevel === 'trace' ? config.logLevel : 'warn', process.stderr);
      const mailer = createMailer(config.mail, log);
      const result = await withDatabase(async (db) => unsubscribe(db, mailer, log, e164, await resolveAccountId(db, ref)));
      const u = result.usage;
      io.result(
        result,
        [
          `${result.subscription.e164} unsubscribed from account ${result.subscription.accountId}; it rests in quarantine before anyone can take it`,
          `usage of ${result.subscription.e164} in ${u.period}: ${u.legs} legs${u.openLegs > 0 ? ` (${u.openLegs} still in progress, counted up to now)` : ''}, ${u.seconds} s, ${u.billableSeconds} billable s, charges ${money(u.amountMicros)}`,
          ...(u.callbacks === undefined ? [] : [`  of which callbacks: ${u.callbacks.legs} legs, ${u.callbacks.billableSeconds} billable s, charges ${money(u.callbacks.amountMicros)}`]),
          result.mailed
            ? 'confirmation e-mailed'
            : `confirmation NOT e-mailed (${config.mail.smtpUrl === '' ? 'TOLLBRIDGE_SMTP_URL is not set' : 'the mail server failed: see the error above'})`,
        ].join('\n'),
      );
    },
  },
];
