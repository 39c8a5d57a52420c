// `npm run bench [-- --legs N] [-- --pg URL]`: the ledger benchmark on SQLite and, given a
// server, PostgreSQL; each figure is compared with its raw-insert baseline measured in the same
// run. Figures, not pass/fail: timings never fail a test.
import { parseArgs } from 'node:util';
import { benchLedger, describeFigures, LEGS_PER_SECOND_TARGET } from './ledger.js';

const { values } = parseArgs({ options: { legs: { type: 'string', default: '100000' }, pg: { type: 'string' } } });
const legs = Number(values.legs);
if (!Number.isInteger(legs) || legs < 1) throw new Error('--legs takes a whole number');

console.log(`ledger benchmark: ${legs} legs, each opened and closed as its own write (target: >= ${LEGS_PER_SECOND_TARGET} legs/s on SQLite and PostgreSQL)`);
console.log(describeFigures(await benchLedger(legs)));
const pg = values.pg ?? process.env.TOLLBRIDGE_TEST_DB;
if (pg !== undefined && pg.startsWith('postgres')) console.log(describeFigures(await benchLedger(legs, pg)));
else console.log('postgres: skipped: pass --pg postgres://... (bash db/postgres-local.sh start prints one)');
