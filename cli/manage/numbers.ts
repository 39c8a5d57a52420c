// tollbridge numbers add | list | subscribe | unsubscribe; rates set | show
import { createMailer } from '../../app/mailer.js';
import { unsubscribe } from '../../app/subscriptions.js';
import { loadConfig } from '../../config/config.js';
import { createLogger } from '../../config/logger.js';
import type { NumberKind, PhoneNumber, Rate } from '../../db/index.js';
import { formatMoney, parseMoney } from '../../db/money.js';
import { UsageError, type Command } from '../command.js';
import { accountId, intOption, option, positional, requiredOption, withDatabase } from './context.js';

function kind(raw: string | undefined): NumberKind {
  if (raw !== 'toll_free' && raw !== 'local') throw new UsageError('--kind must be toll_free or local');
  return raw;
}

const describeNumber = (n: PhoneNumber) =>
  `${n.e164.padEnd(16)} ${n.kind.padEnd(9)} ${n.state}${n.accountId === null ? '' : ` (account ${n.accountId})`}${n.availableAt === null ? '' : ` until ${new Date(n.availableAt).toISOString()}`}`;
const describeRate = (r: Rate) =>
  `${r.kind}: ${formatMoney(r.perMinuteMicros)} per minute (${r.perMinuteMicros} micros), billed per ${r.incrementSeconds} s, minimum ${r.minimumSeconds} s, since ${new Date(r.effectiveFrom).toISOString()}`;

export const numberCommands: Command[] = [
  {
    path: ['numbers', 'add'],
    summary: 'operator: add a number to the inventory',
    usage: 'numbers add E164 --kind toll_free|local',
    optionHelp: ['E164               the number with +, e.g. +18005550100', '--kind KIND        toll_free (metered and rated) or local (metered at zero)'],
    options: { kind: { type: 'string' } },
    async run(args, io) {
      const e164 = positional(args, 0, 'E164 number, e.g. +18005550100');
      const number = await withDatabase((db) => db.numbers.add(e164, kind(option(args, 'kind'))));
      io.result(number, describeNumber(number));
    },
  },
  {
    path: ['numbers', 'list'],
    summary: 'list the number inventory',
    usage: 'numbers list [--available] [--kind toll_free|local]',
    optionHelp: ['--available  only numbers an account can subscribe to now', '--kind KIND  only toll_free or only local numbers'],
    options: { available: { type: 'boolean' }, kind: { type: 'string' } },
    async run(args, io) {
      const k = option(args, 'kind');
      const numbers = await withDatabase((db) => db.numbers.list({ availableOnly: args.values.available === true, ...(k === undefined ? {} : { kind: kind(k) }) }));
      io.result(numbers, numbers.length === 0 ? 'no numbers' : numbers.map(describeNumber).join('\n'));
    },
  },
  {
    path: ['numbers', 'subscribe'],
    summary: 'subscribe an account to a number: it answers for the account\'s room at once',
    usage: 'numbers subscribe E164 --account ACCOUNT',
    optionHelp: ['--account ACCOUNT  account id or e-mail'],
    options: { account: { type: 'string' } },
    async run(args, io) {
      const e164 = positional(args, 0, 'E164 number');
      const ref = requiredOption(args, 'account', 'account id or e-mail');
      const sub = await withDatabase(async (db) => db.numbers.subscribe(e164, await accountId(db, ref)));
      io.result(sub, `${sub.e164} now answers for account ${sub.accountId}`);
    },
  },
  {
    path: ['numbers', 'unsubscribe'],
    summary: 'end a subscription; prints (and e-mails) the usage and charges of this period',
    usage: 'numbers unsubscribe E164 --account ACCOUNT',
    optionHelp: ['--account ACCOUNT  account id or e-mail; calls in progress go on and are billed, new calls are refused'],
    options: { account: { type: 'string' } },
    async run(args, io) {
      const e164 = positional(args, 0, 'E164 number');
      const ref = requiredOption(args, 'account', 'account id or e-mail');
      const config = loadConfig();
      const log = createLogger('warn');
      const result = await withDatabase(async (db) => unsubscribe(db, createMailer(config.mail, log), log, e164, await accountId(db, ref)));
      const u = result.usage;
      io.result(result, [
        `${result.subscription.e164} unsubscribed; it rests in quarantine before reuse`,
        `usage in ${u.period}: ${u.legs} legs${u.openLegs > 0 ? ` (${u.openLegs} in progress, counted to now)` : ''}, ${u.billableMinutes} billable minutes, charges ${formatMoney(u.amountMicros, 6)}`,
        result.mailed ? 'confirmation e-mailed' : 'confirmation NOT e-mailed (see TOLLBRIDGE_SMTP_URL)',
      ].join('\n'));
    },
  },
  {
    path: ['rates', 'set'],
    summary: 'operator: set the rate of a number kind (applies to legs answered from now on)',
    usage: 'rates set --kind toll_free|local --per-minute AMOUNT [--increment SECONDS] [--minimum SECONDS]',
    optionHelp: ['--kind KIND         toll_free or local', '--per-minute AMOUNT  price per minute in currency units, up to 6 decimals, e.g. 0.015', '--increment SECONDS  billing increment (default 60: every started minute counts)', '--minimum SECONDS    minimum billable seconds per leg (default 0)'],
    options: { kind: { type: 'string' }, 'per-minute': { type: 'string' }, increment: { type: 'string' }, minimum: { type: 'string' } },
    async run(args, io) {
      const k = kind(option(args, 'kind'));
      const perMinuteMicros = parseMoney(requiredOption(args, 'per-minute', 'e.g. 0.015'));
      const increment = intOption(args, 'increment');
      const minimum = intOption(args, 'minimum');
      const rate = await withDatabase((db) =>
        db.rates.set(k, { perMinuteMicros, ...(increment === undefined ? {} : { incrementSeconds: increment }), ...(minimum === undefined ? {} : { minimumSeconds: minimum }) }),
      );
      io.result(rate, describeRate(rate));
    },
  },
  {
    path: ['rates', 'show'],
    summary: 'show the rates in force',
    usage: 'rates show [--kind toll_free|local]',
    optionHelp: ['--kind KIND  only this kind'],
    options: { kind: { type: 'string' } },
    async run(args, io) {
      const k = option(args, 'kind');
      const kinds: NumberKind[] = k === undefined ? ['toll_free', 'local'] : [kind(k)];
      const rates = await withDatabase((db) => Promise.all(kinds.map((x) => db.rates.current(x))));
      io.result(rates, rates.map(describeRate).join('\n'));
    },
  },
];
