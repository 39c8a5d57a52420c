// `npm run bench [-- --legs N] [-- --pg URL]`: prints figures and compares each with its
// baseline measured in the same run. Figures, not pass/fail: timings never fail a test.
import { parseArgs } from 'node:util';
import { benchLedger, type LedgerFigures } from './ledger.js';

const { values } = parseArgs({ options: { legs: { type: 'string', default: '100000' }, pg: { type: 'string' } } });
const legs = Number(values.legs);
if (!Number.isInteger(legs) || legs < 1) throw new Error('--legs takes a whole number');

function print(f: LedgerFigures): void {
  console.log(
    `${f.database.padEnd(8)} ${String(f.legs).padStart(7)} legs  open+close ${String(f.legsPerSecond).padStart(6)} legs/s` +
      `  statement ${String(f.statementMs).padStart(5)} ms  baseline raw bulk insert ${String(f.baselineRowsPerSecond).padStart(7)} rows/s` +
      `  (repository at ${((100 * f.legsPerSecond) / f.baselineRowsPerSecond).toFixed(1)}% of raw insert)`,
  );
}

console.log(`ledger benchmark: ${legs} legs, each opened and closed as its own write (target: >= 5000 legs/s on SQLite)`);
print(await benchLedger(legs));
const pg = values.pg ?? process.env.TOLLBRIDGE_TEST_DB;
if (pg !== undefined && pg.startsWith('postgres')) print(await benchLedger(legs, pg));
else console.log('postgres  skipped: pass --pg postgres://... (bash db/postgres-local.sh start prints one)');
