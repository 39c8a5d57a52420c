// Ledger benchmark: open and close N legs through the repository (each open and each close its
// own durable write, as on real calls, with up to 50 calls in flight), then build the month's
// statement; the baseline, in the same run and database, is a raw knex bulk insert of N closed
// rows of the same shape into the same table.
//   node dist/bench/ledger.js [--db sqlite|postgres://...] [--legs 100000]
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { createScratchDatabase } from '../db/scratch.js';

export interface LedgerFigures {
  database: string;
  legs: number;
  legsPerSecond: number;
  statementMs: number;
  baselineRowsPerSecond: number;
  /** This process's CPU (all its threads) per leg opened and closed, in microseconds. */
  cpuMicrosPerLeg: number;
  /** This process's CPU per row of the raw insert, in microseconds. */
  baselineCpuMicrosPerRow: number;
}

// CPU time, unlike wall time, barely moves when other work shares the machine; on PostgreSQL
// it leaves out the server's own CPU.
const cpuMicros = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

/** The ledger's goal on the project's 2-core machine, on SQLite and PostgreSQL alike. */
export const LEGS_PER_SECOND_TARGET = 5000;

/** Calls in flight at once. SQLite still has one connection: they queue on it. */
const CONCURRENCY = 50;

export async function benchLedger(legs: number, postgresUrl?: string): Promise<LedgerFigures> {
  const start = Date.UTC(2026, 10, 1);
  const db = await createScratchDatabase({ pinSecret: 'bench', now: () => start + 20 * 86_400_000 }, postgresUrl);
  try {
    const { account } = await db.accounts.create({ name: 'Bench', email: 'bench@example.test' });
    await db.numbers.add('+18005550100', 'toll_free');
    const sub = await db.numbers.subscribe('+18005550100', account.id);
    let next = 0;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < legs; i = next++) {
          const channelId = `bench-${i}`;
          const answeredAt = start + i * 1000;
          await db.ledger.openLeg({ channelId, accountId: account.id, subscriptionId: sub.id, numberId: sub.numberId, dialled: '+18005550100', callerNumber: null, answeredAt });
          await db.ledger.closeLeg(channelId, answeredAt + 1000 + (i % 3600) * 1000);
        }
      }),
    );
    const legSeconds = (performance.now() - t0) / 1000;
    const legCpu = cpuMicros(c0);
    const s0 = performance.now();
    const statement = await db.statements.build(account.id, '2026-11');
    const statementMs = performance.now() - s0;
    const counted = statement.lines.reduce((n, l) => n + l.legs, 0);
    if (counted !== legs) throw new Error(`statement counted ${counted} legs, expected ${legs}`);

    const rows = Array.from({ length: legs }, (_, i) => ({
      entry_kind: 'leg', channel_id: `raw-${i}`, account_id: account.id, subscription_id: sub.id, number_id: sub.numberId, dialled: '+18005550100',
      role: 'participant', answered_at: start, ended_at: start + 1000, seconds: 1, billable_seconds: 60, rate_per_minute_micros: 20000,
      rate_increment_seconds: 60, rate_minimum_seconds: 0, amount_micros: 20000, created_at: start,
    }));
    const b0 = performance.now();
    const bc0 = process.cpuUsage();
    // 500 rows per statement: SQLite's bound-variable limit allows 32766 (16 columns each).
    for (let i = 0; i < rows.length; i += 500) await db.knex('usage_ledger').insert(rows.slice(i, i + 500));
    const baselineSeconds = (performance.now() - b0) / 1000;
    const baselineCpu = cpuMicros(bc0);
    return {
      database: db.client,
      legs,
      legsPerSecond: Math.round(legs / legSeconds),
      statementMs: Math.round(statementMs),
      baselineRowsPerSecond: Math.round(legs / baselineSeconds),
      cpuMicrosPerLeg: Math.round(legCpu / legs),
      baselineCpuMicrosPerRow: Math.round(baselineCpu / legs),
    };
  } finally {
    await db.close();
  }
}

export function describeFigures(f: LedgerFigures): string {
  return (
    `${f.database}: ${f.legs} legs opened and closed through the repository: ${f.legsPerSecond} legs/s ` +
    `(${2 * f.legsPerSecond} writes/s); statement of ${f.legs} legs built in ${f.statementMs} ms; ` +
    `repository ${f.legsPerSecond} legs/s vs raw insert ${f.baselineRowsPerSecond} rows/s, ratio ${(f.legsPerSecond / f.baselineRowsPerSecond).toFixed(3)}; ` +
    `CPU of this process ${f.cpuMicrosPerLeg} us per leg vs ${f.baselineCpuMicrosPerRow} us per raw row`
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { db: { type: 'string', default: 'sqlite' }, legs: { type: 'string', default: '100000' } } });
  const legs = Number(values.legs);
  if (!Number.isInteger(legs) || legs < 1) throw new Error('--legs takes a whole number, e.g. --legs 100000');
  const target = values.db;
  if (target !== 'sqlite' && !/^postgres(ql)?:\/\//.test(target)) throw new Error('--db takes sqlite or a postgres:// URL (bash db/postgres-local.sh start prints one)');
  const figures = await benchLedger(legs, target === 'sqlite' ? undefined : target);
  console.log(describeFigures(figures));
  if (figures.legsPerSecond < LEGS_PER_SECOND_TARGET) console.log(`below the target of ${LEGS_PER_SECOND_TARGET} legs/s`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
