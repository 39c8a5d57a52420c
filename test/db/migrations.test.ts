// The same migrations, from the imported migration source, on SQLite and PostgreSQL.
import { expect } from 'chai';
import type { Database } from '../../db/index.js';
import { migrationSource } from '../../db/migrations/index.js';
import { openTestDb } from './helpers.js';

describe('db: migrations', function () {
  this.timeout(30_000);
  let db: Database;

  beforeEach(async () => {
    db = await openTestDb();
  });
  afterEach(async () => {
    await db?.close();
  });

  it('openDatabase migrates to the latest migration, with nothing pending', async () => {
    const [done, pending] = (await db.knex.migrate.list({ migrationSource })) as [Array<{ name: string } | string>, unknown[]];
    expect(done.map((m) => (typeof m === 'string' ? m : m.name))).to.deep.equal(['001_initial', '002_api_credentials', '003_ledger_write_rate', '004_leg_end_reason', '005_pin_guard', '006_audit_log', '007_pin_key_id', '008_rooms_version', '009_organizations_privacy', '010_account_links', '011_encrypted_new_email', '012_room_announcements_recordings', '013_pin_lock_lift', '014_system_leases', '015_shared_limits', '016_room_spend_cap', '017_leg_rejoin', '018_operator_sessions', '019_callback']);
    expect(pending).to.deep.equal([]);
  });

  it('seeds the default rates once: toll-free 20000 micros per started minute, local free', async () => {
    expect(await db.rates.current('toll_free')).to.deep.include({ perMinuteMicros: 20_000, incrementSeconds: 60, minimumSeconds: 0 });
    expect(await db.rates.current('local')).to.deep.include({ perMinuteMicros: 0, incrementSeconds: 60 });
  });

  it('rolls back completely and migrates up again to the same schema', async () => {
    await db.knex.migrate.rollback({ migrationSource }, true);
    expect(await db.knex.schema.hasTable('usage_ledger')).to.equal(false);
    await db.knex.migrate.latest({ migrationSource });
    expect(await db.knex.schema.hasTable('usage_ledger')).to.equal(true);
    expect(await db.rates.history('toll_free')).to.have.length(1);
  });
});
