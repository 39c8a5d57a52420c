// PostgreSQL keeps the plan of a prepared statement; the ledger writer prepares its close once
// per connection, often on a young ledger. Whatever the ledger's size was when the plan was
// made, closing a batch must look up its channels, not read the whole ledger: the plan made
// on an empty ledger is run on a ledger of thousands of open legs (autovacuum off, so no
// ANALYZE makes a new plan), and the rows the close reads are counted from EXPLAIN ANALYZE.
import { expect } from 'chai';
import pg from 'pg';
import type { Database } from '../../db/index.js';
import { closeBatchSql } from '../../db/ledger-writer.js';
import { PLAN_BY_KEY } from '../../db/pg-ledger-writer.js';
import { testDatabaseUrl } from '../support/db-fixture.js';
import { accountWithNumber, openTestDb } from './helpers.js';

const T0 = Date.UTC(2026, 2, 10, 12);
const LEGS = 5_000;
const BATCH = 50;

interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Join Filter'?: number;
  Plans?: PlanNode[];
}

/** Rows the plan's scans of usage_ledger read: returned plus filtered out, over all loops. */
function ledgerRowsRead(node: PlanNode): number {
  const loops = node['Actual Loops'] ?? 1;
  const own = node['Relation Name'] === 'usage_ledger' && node.Plans === undefined ? ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0)) * loops : 0;
  return own + (node.Plans ?? []).reduce((n, child) => n + ledgerRowsRead(child), 0);
}

describe('db: the ledger close plan on PostgreSQL', function () {
  this.timeout(60_000);
  let db: Database;
  let client: pg.Client | undefined;

  beforeEach(async function () {
    db = await openTestDb({ now: () => T0 });
    if (db.client !== 'postgres') this.skip(); // SQLite plans each statement against its current data
  });
  afterEach(async () => {
    await client?.end();
    client = undefined;
    await db?.close();
  });

  it(`a close prepared on an empty ledger reads only its batch's rows once the ledger holds ${LEGS} open legs`, async () => {
    const { accountId, sub } = await accountWithNumber(db, '+18005550100');
    await db.knex.raw('ALTER TABLE usage_ledger SET (autovacuum_enabled = false)');
    client = new pg.Client({ connectionString: testDatabaseUrl(db) });
    await client.connect();
    await client.query(PLAN_BY_KEY);
    // The plan the writer's connection would keep: made now, on the empty ledger.
    await client.query('SET plan_cache_mode = force_generic_plan');
    await client.query(`PREPARE ledger_close(text) AS ${closeBatchSql('postgres', '$1')}`);
    await client.query(`EXECUTE ledger_close('[]')`);

    const legs = Array.from({ length: LEGS }, (_, i) => ({
      entry_kind: 'leg', channel_id: `p-${i}`, account_id: accountId, subscription_id: sub.id, number_id: sub.numberId, dialled: sub.e164,
      role: 'participant', answered_at: T0 + i, rate_per_minute_micros: 20_000, rate_increment_seconds: 60, rate_minimum_seconds: 0, created_at: T0,
    }));
    for (let i = 0; i < legs.length; i += 500) await db.knex('usage_ledger').insert(legs.slice(i, i + 500));

    const batch = JSON.stringify(Array.from({ length: BATCH }, (_, i) => [`p-${LEGS - 1 - i * 7}`, T0 + 600_000, 'hangup']));
    await client.query('BEGIN');
    // EXPLAIN takes no bound parameters: the batch goes in as a quoted literal.
    const { rows } = await client.query<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE ledger_close(${client.escapeLiteral(batch)})`);
    await client.query('ROLLBACK');
    const plan = rows[0]?.['QUERY PLAN'][0]?.Plan;
    expect(plan?.['Actual Rows'], 'legs closed').to.equal(BATCH);
    // A lookup per channel reads the batch's rows; reading the channel index whole reads every leg.
    expect(ledgerRowsRead(plan as PlanNode)).to.be.at.most(2 * BATCH);
  });
});
