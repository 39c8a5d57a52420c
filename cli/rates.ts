// tollbridge rates set | show
import { type Rate } from '../db/index.js';
import { RATE_KINDS, type RateKind } from '../domain/billing.js';
import { InvalidRate } from '../domain/errors.js';
import { formatMoney, parseMoney } from '../domain/money.js';
import { UsageError, type Command, type ParsedArgs } from './command.js';
import { integerOption, noExtraPositionals, option, requiredOption, when, withDatabase } from './open-db.js';

const KINDS_TEXT = 'toll_free, local or callback';

/** --kind of a rate: a kind of number, or callback (the calls the bridge places back); undefined when not given. */
function rateKindOption(args: ParsedArgs): RateKind | undefined {
  const raw = option(args, 'kind');
  if (raw === undefined) return undefined;
  const kind = RATE_KINDS.find((k) => k === raw);
  if (kind === undefined) throw new UsageError(`--kind must be ${KINDS_TEXT}, not "${raw}"`);
  return kind;
}

/** 15000 -> "0.015", 20000 -> "0.02": exact, at least two decimals. */
function perMinute(micros: number): string {
  return formatMoney(micros, 6).replace(/(\.\d\d\d*?)0+$/, '$1');
}

function describeRate(r: Rate): string {
  return `${r.kind.padEnd(10)}${perMinute(r.perMinuteMicros)} per minute (${r.perMinuteMicros} micros), billed per ${r.incrementSeconds} s, minimum ${r.minimumSeconds} s, since ${when(r.effectiveFrom)}`;
}

export const rateCommands: Command[] = [
  {
    path: ['rates', 'set'],
    summary: 'operator: set the rate of a kind of number, or of callbacks; it applies to legs answered from now on',
    usage: 'rates set --kind toll_free|local|callback --per-minute AMOUNT [--increment SECONDS] [--minimum SECONDS]',
    optionHelp: [
      '--kind KIND          toll_free or local (calls dialled to such a number), or callback (calls the bridge places back to a waiting participant, charged to the room\'s owner)',
      '--per-minute AMOUNT  price per minute in currency units, up to 6 decimals, e.g. 0.015 (exact, no rounding)',
      '--increment SECONDS  billing increment, 1 to 3600 (default 60: every started minute counts)',
      '--minimum SECONDS    minimum billable seconds of a leg that lasted at all, 0 to 86400 (default 0)',
    ],
    options: { kind: { type: 'string' }, 'per-minute': { type: 'string' }, increment: { type: 'string' }, minimum: { type: 'string' } },
    async run(args, io) {
      noExtraPositionals(args, 0);
      const kind = rateKindOption(args);
      if (kind === undefined) throw new UsageError(`--kind is required: --kind must be ${KINDS_TEXT}`);
      const amount = requiredOption(args, 'per-minute', 'the price per minute in currency units, e.g. --per-minute 0.015');
      // A malformed amount is InvalidMoney (exit 2, stable code), as everywhere else.
      const perMinuteMicros = parseMoney(amount);
      const incrementSeconds = integerOption(args, 'increment', 'seconds, 1 to 3600');
      const minimumSeconds = integerOption(args, 'minimum', 'seconds, 0 to 86400');
      const rate = await withDatabase((db) =>
        db.rates.set(kind, {
          perMinuteMicros,
          ...(incrementSeconds === undefined ? {} : { incrementSeconds }),
          ...(minimumSeconds === undefined ? {} : { minimumSeconds }),
        }),
      );
      io.result(rate, `rate set: ${describeRate(rate)}`);
    },
  },
  {
    path: ['rates', 'show'],
    summary: 'show the rates in force now',
    usage: 'rates show [--kind toll_free|local|callback]',
    optionHelp: ['--kind KIND  only the rate of toll_free or of local numbers, or of callbacks'],
    options: { kind: { type: 'string' } },
    async run(args, io) {
      noExtraPositionals(args, 0);
      const only = rateKindOption(args);
      const kinds: readonly RateKind[] = only === undefined ? RATE_KINDS : [only];
      const found = await withDatabase((db) =>
        Promise.all(
          kinds.map(async (kind) => {
            try {
              return { kind, rate: await db.rates.current(kind) };
            } catch (err) {
              if (err instanceof InvalidRate) return { kind, rate: null };
              throw err;
            }
          }),
        ),
      );
      const rates = found.flatMap((f) => (f.rate === null ? [] : [f.rate]));
      io.result(
        rates,
        found.map((f) => (f.rate === null ? `${f.kind.padEnd(10)}no rate set (tollbridge rates set --kind ${f.kind} --per-minute AMOUNT)` : describeRate(f.rate))).join('\n'),
      );
    },
  },
];
