// tollbridge usage | statement
import { formatMoney } from '../../db/money.js';
import { UsageError, type Command } from '../command.js';
import { accountId, dateOption, option, positional, requiredOption, withDatabase } from './context.js';

export const usageCommands: Command[] = [
  {
    path: ['usage'],
    summary: 'ledger entries of an account (one per participant leg, plus corrections)',
    usage: 'usage ACCOUNT [--from DATE] [--to DATE]',
    optionHelp: ['ACCOUNT      account id or e-mail', '--from DATE  answered on or after (YYYY-MM-DD, UTC, or an ISO timestamp)', '--to DATE    answered before'],
    options: { from: { type: 'string' }, to: { type: 'string' } },
    async run(args, io) {
      const ref = positional(args, 0, 'ACCOUNT (id or e-mail)');
      const from = dateOption(args, 'from');
      const to = dateOption(args, 'to');
      const legs = await withDatabase(async (db) => db.ledger.legsFor(await accountId(db, ref), { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }));
      const lines = legs.map((l) =>
        [new Date(l.answeredAt).toISOString(), l.dialled, l.role.padEnd(15), l.callerNumber ?? '-', l.endedAt === null ? 'open' : `${l.seconds ?? 0} s`, `billable ${l.billableSeconds ?? '-'} s`, l.amountMicros === null ? '' : formatMoney(l.amountMicros)].join('  '),
      );
      io.result(legs, legs.length === 0 ? 'no usage' : lines.join('\n'));
    },
  },
  {
    path: ['statement'],
    summary: 'the statement of a billing period (calendar month, UTC)',
    usage: 'statement ACCOUNT --period YYYY-MM [--format json|csv]',
    optionHelp: ['ACCOUNT          account id or e-mail', '--period YYYY-MM  the month', '--format F       csv for a spreadsheet; json (same as --json)'],
    options: { period: { type: 'string' }, format: { type: 'string' } },
    async run(args, io) {
      const ref = positional(args, 0, 'ACCOUNT (id or e-mail)');
      const period = requiredOption(args, 'period', 'YYYY-MM');
      const format = option(args, 'format');
      if (format !== undefined && format !== 'json' && format !== 'csv') throw new UsageError('--format must be json or csv');
      const { statement, csv } = await withDatabase(async (db) => {
        const s = await db.statements.build(await accountId(db, ref), period);
        return { statement: s, csv: db.statements.toCsv(s) };
      });
      if (format === 'csv') {
        process.stdout.write(csv);
        return;
      }
      if (format === 'json') {
        process.stdout.write(JSON.stringify(statement, null, 2) + '\n');
        return;
      }
      io.result(statement, [
        `statement ${statement.period} for account ${statement.accountId} (${statement.status})`,
        ...statement.lines.map((l) => `  ${l.e164.padEnd(16)} ${String(l.legs).padStart(5)} legs  ${l.billableMinutes.padStart(8)} min  ${l.amount.padStart(10)}`),
        `  ${'total'.padEnd(16)} ${''.padStart(25)} ${statement.total.padStart(10)}`,
        ...(statement.openLegs > 0 ? [`  (${statement.openLegs} legs of this period still in progress: on a later statement)`] : []),
      ].join('\n'));
    },
  },
];
