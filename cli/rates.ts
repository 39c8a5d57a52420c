// tollbridge rates set | show
import { type Rate } from '../db/index.js';
import { InvalidRate } from '../domain/errors.js';
import type { NumberKind } from '../domain/numbers.js';
import { formatMoney, parseMoney } from '../domain/money.js';
import type { Command } from './command.js';
import { kindOption } from './numbers.js';
import { integerOption, noExtraPositionals, requiredOption, when, withDatabase } from './open-db.js';

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
    summary: 'operator: set the rate of a kind of number; it applies to legs answered from now on',
    usage: 'rates set --kind toll_free|local --per-minute AMOUNT [--increment SECONDS] [--minimum SECONDS]',
    optionHelp: [
      '--kind KIND          toll_free or local',
      '--per-minute AMOUNT  price per minute in currency units, up to 6 decimals, e.g. 0.015 (exact, no rounding)',
      '--increment SECONDS  billing increment, 1 to 3600 (default 60: every started minute counts)',
      '--minimum SECONDS    minimum billable seconds of a leg that lasted at all, 0 to 86400 (default 0)',
    ],
    options: { kind: { type: 'string' }, 'per-minute': { type: 'string' }, increment: { type: 'string' }, minimum: { type: 'string' } },
    async run(args, io) {
      noExtraPositionals(args, 0);
      const kind = kindOption(args, true);
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
    usage: 'rates show [--kind toll_free|local]',
    optionHelp: ['--kind KIND  only the rate of toll_free or of local numbers'],
    options: { kind: { type: 'string' } },
    async run(args, io) {
      noExtraPositionals(args, 0);
      const only = kindOption(args, false);
      const kinds: NumberKind[] = only === undefined ? ['toll_free', 'local'] : [only];
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
