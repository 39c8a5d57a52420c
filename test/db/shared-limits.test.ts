// Limits several processes count together through the database (migration 015): wrong
// passwords per key (signin_failures) and the calls each bridge process has in its IVR
// (ivr_counts). On SQLite and, with TOLLBRIDGE_TEST_DB, PostgreSQL.
import { expect } from 'chai';
import type { Database, FailureRule } from '../../db/index.js';
import { openSecondHandle } from '../support/db-fixture.js';
import { openTestDb } from './helpers.js';

const T0 = Date.UTC(2026, 11, 7, 9, 0, 0);
const HOUR = 3_600_000;
/** The 3rd failure closes for 1 s, the 4th for 2 s ... */
const RULE: FailureRule = { forgetAfterMs: HOUR, closeForMs: (n) => (n < 3 ? 0 : 1000 * 2 ** (n - 3)) };

describe('db: limits shared by processes', function () {
  this.timeout(30_000);
  let db: Database;
  let other: Database | undefined;

  beforeEach(async () => {
    db = await openTestDb();
  });
  const rows = async (table: string): Promise<number> => Number((await db.knex(table).count<Array<{ n: number | string }>>('* as n'))[0]?.n ?? 0);

  afterEach(async () => {
    await other?.close();
    other = undefined;
    await db?.close();
  });

  describe('sign-in failures', () => {
    const ada = { scope: 'account' as const, key: 'ada@example.test' };
    const home = { scope: 'address' as const, key: '192.0.2.7' };

    it('counts failures per key, closes by the rule, keeps the later close, and forgets a key quiet for the forget time once open', async () => {
      expect(await db.signinFailures.recordFailure(ada, RULE, T0)).to.equal(1);
      expect(await db.signinFailures.recordFailure(ada, RULE, T0 + 10)).to.equal(2);
      expect(await db.signinFailures.closedUntil([ada, home])).to.equal(0);
      expect(await db.signinFailures.recordFailure(ada, RULE, T0 + 20)).to.equal(3);
      expect(await db.signinFailures.closedUntil([ada, home])).to.equal(T0 + 1020);
      // The same key string under the other scope is another key.
      expect(await db.signinFailures.closedUntil([{ scope: 'address', key: ada.key }])).to.equal(0);
      // A close already later than this failure's stays (another process closed it for longer).
      await db.signinFailures.recordFailure(ada, { ...RULE, closeForMs: () => 60_000 }, T0 + 30);
      await db.signinFailures.recordFailure(ada, RULE, T0 + 40);
      expect(await db.signinFailures.closedUntil([ada])).to.equal(T0 + 60_030);
      // Quiet for an hour and open: the next failure is the first again.
      expect(await db.signinFailures.recordFailure(ada, RULE, T0 + 40 + HOUR + 1)).to.equal(1);
      expect(await db.signinFailures.closedUntil([ada])).to.equal(0);
      await db.signinFailures.forget(ada);
      expect(await rows('signin_failures')).to.equal(0);
    });

    it('two handles (two processes) failing at once count every failure', async () => {
      other = await openSecondHandle(db);
      const second = other;
      await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? db : second).signinFailures.recordFailure(home, RULE, T0 + i)));
      expect(await db.signinFailures.recordFailure(home, RULE, T0 + 100)).to.equal(11);
      expect(await second.signinFailures.closedUntil([home])).to.equal(T0 + 100 + 1000 * 2 ** 8);
    });

    it('keys are stored as keyed hashes; prune drops forgotten keys and all but the newest beyond the bound', async () => {
      for (const [i, key] of ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4'].entries()) await db.signinFailures.recordFailure({ scope: 'address', key }, RULE, T0 + i * 1000);
      await db.signinFailures.recordFailure(ada, RULE, T0);
      const subjects = (await db.knex('signin_failures').select<Array<{ subject: string }>>('subject')).map((r) => r.subject);
      expect(subjects.every((s) => /^[0-9a-f]{64}$/.test(s))).to.equal(true);
      // 192.0.2.1 is quiet an hour after its failure; of the other three the newest two stay.
      expect(await db.signinFailures.prune('address', HOUR, 2, T0 + HOUR + 500)).to.equal(2);
      expect(await db.signinFailures.recordFailure({ scope: 'address', key: '192.0.2.4' }, RULE, T0 + HOUR + 600)).to.equal(2);
      expect(await db.signinFailures.recordFailure({ scope: 'address', key: '192.0.2.2' }, RULE, T0 + HOUR + 600)).to.equal(1);
      // The other scope is pruned on its own.
      expect(await db.signinFailures.recordFailure(ada, RULE, T0 + 10)).to.equal(2);
    });
  });

  describe('IVR counts', () => {
    const sorted = <T extends { scope: string; subject: string }>(rows: T[]) => [...rows].sort((a, b) => `${a.scope}${a.subject}`.localeCompare(`${b.scope}${b.subject}`));

    it('each systemname publishes its changes; the others read everyone else\'s fresh counts summed per subject, callers only as keyed hashes', async () => {
      await db.ivrCounts.publish('pop-a', [{ scope: 'number', subject: '18005550100', count: 3 }, { scope: 'caller', subject: '+15550001', count: 2 }, { scope: 'caller', subject: '', count: 1 }], T0);
      await db.ivrCounts.publish('pop-b', [{ scope: 'number', subject: '18005550100', count: 4 }, { scope: 'failing', subject: '18005550100', count: 1 }, { scope: 'caller', subject: '+15550001', count: 1 }], T0);
      const caller = db.ivrCounts.subjectOf('caller', '+15550001');
      expect(caller).to.match(/^h1:/);
      expect(db.ivrCounts.subjectOf('caller', null)).to.equal(db.ivrCounts.subjectOf('caller', ''));
      expect(sorted(await db.ivrCounts.others('pop-c', T0 - 1))).to.deep.equal(sorted([
        { scope: 'number', subject: '18005550100', count: 7 },
        { scope: 'failing', subject: '18005550100', count: 1 },
        { scope: 'caller', subject: caller, count: 3 },
        { scope: 'caller', subject: db.ivrCounts.subjectOf('caller', null), count: 1 },
      ]));
      // Its own rows are not in what a process reads.
      expect(sorted(await db.ivrCounts.others('pop-a', T0 - 1))).to.deep.equal(sorted([
        { scope: 'number', subject: '18005550100', count: 4 },
        { scope: 'failing', subject: '18005550100', count: 1 },
        { scope: 'caller', subject: caller, count: 1 },
      ]));
      expect(JSON.stringify(await db.knex('ivr_counts').select())).to.not.contain('+15550001');
    });

    it('a publication changes only what it names (0 deletes) and stamps every row of its systemname; rows not stamped since are not read, then pruned', async () => {
      await db.ivrCounts.publish('pop-a', [{ scope: 'number', subject: '1800', count: 2 }, { scope: 'number', subject: '1900', count: 1 }], T0);
      await db.ivrCounts.publish('pop-b', [{ scope: 'number', subject: '1800', count: 5 }], T0);
      await db.ivrCounts.publish('pop-a', [{ scope: 'number', subject: '1900', count: 0 }, { scope: 'failing', subject: '1800', count: 1 }], T0 + 3000);
      expect(sorted(await db.ivrCounts.others('pop-c', T0 + 1000))).to.deep.equal(sorted([
        { scope: 'number', subject: '1800', count: 2 },
        { scope: 'failing', subject: '1800', count: 1 },
      ]));
      // A heartbeat: nothing changed, every row stamped again.
      await db.ivrCounts.publish('pop-b', [], T0 + 4000);
      expect(sorted(await db.ivrCounts.others('pop-c', T0 + 2500))).to.deep.equal([{ scope: 'failing', subject: '1800', count: 1 }, { scope: 'number', subject: '1800', count: 7 }]);
      expect(await db.ivrCounts.others('pop-c', T0 + 3500)).to.deep.equal([{ scope: 'number', subject: '1800', count: 5 }]);
      expect(await db.ivrCounts.prune(T0 + 3500)).to.equal(2);
      expect(await rows('ivr_counts')).to.equal(1);
      await db.ivrCounts.withdraw('pop-b');
      expect(await rows('ivr_counts')).to.equal(0);
    });

    it('two handles (two processes) publishing at once under their own systemnames', async () => {
      other = await openSecondHandle(db);
      const second = other;
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? db : second).ivrCounts.publish(i % 2 === 0 ? 'pop-a' : 'pop-b', [{ scope: 'number', subject: '1800', count: i + 1 }], T0 + i)));
      expect(await second.ivrCounts.others('pop-c', T0)).to.deep.equal([{ scope: 'number', subject: '1800', count: 19 + 20 }]);
    });
  });
});
