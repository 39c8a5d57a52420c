// The ledger journal: lines that survive a crash, group fsync, order kept, replay into a real
// database (SQLite, or PostgreSQL with TOLLBRIDGE_TEST_DB) idempotent, crash between the
// journal write and the database, a refusing database, compaction.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { databasePorts, openJournaledLedger } from '../../app/calls/database-ports.js';
import type { Database } from '../../db/index.js';
import type { Subscription } from '../../db/types.js';
import type { UsageLedger } from '../../flows/ports.js';
import type { LegOpening } from '../../domain/legs.js';
import type { Role } from '../../domain/roles.js';
import { decodeLine, encodeLine, JournalFile } from '../../journal/journal-file.js';
import { JournaledLedger, type LedgerRecord } from '../../journal/journaled-ledger.js';
import { accountWithNumber, openTestDb } from '../db/helpers.js';
import { silentLog } from '../support/fakes.js';
import { waitFor } from '../support/wait.js';

const T0 = Date.UTC(2026, 11, 1, 12);

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-journal-test-'));
}

function opening(channelId: string, sub: { accountId: number; id: number; numberId: number; e164: string }, answeredAt = T0): LegOpening {
  return { channelId, accountId: sub.accountId, subscriptionId: sub.id, numberId: sub.numberId, dialled: sub.e164, callerNumber: '+15550001111', answeredAt };
}

/** Records what reaches the "database", and can refuse (down) or hold every call. */
class RecordingLedger implements UsageLedger {
  readonly applied: string[] = [];
  down = false;
  permanent = new Set<string>();
  async openLeg(leg: LegOpening): Promise<void> {
    this.check(`open ${leg.channelId}`);
  }
  async assign(channelId: string, a: { roomId: number; role: Role }): Promise<void> {
    this.check(`assign ${channelId} ${a.role}`);
  }
  async closeLeg(channelId: string, endedAt: number, reason?: string): Promise<void> {
    this.check(`close ${channelId} ${endedAt}${reason === undefined ? '' : ` ${reason}`}`);
  }
  private check(op: string): void {
    if (this.permanent.has(op)) throw new Error(`permanent: ${op}`);
    if (this.down) throw new Error('SQLITE_BUSY: database is locked');
    this.applied.push(op);
  }
}

const SUB = { accountId: 1, id: 2, numberId: 3, e164: '+18005550100' };

describe('ledger journal', function () {
  this.timeout(20_000);
  const dirs: string[] = [];
  const dir = () => {
    const d = tempDir();
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  describe('lines', () => {
    it('a line decodes to what was encoded; a changed byte or a cut line decodes to nothing', () => {
      const line = encodeLine(7, { op: 'close', channelId: 'main-1.2', endedAt: 5 }).trimEnd();
      expect(decodeLine(line)).to.deep.equal({ seq: 7, record: { op: 'close', channelId: 'main-1.2', endedAt: 5 } });
      expect(decodeLine(line.replace('main-1.2', 'main-1.3'))).to.equal(null);
      expect(decodeLine(line.slice(0, -3))).to.equal(null);
      expect(decodeLine('')).to.equal(null);
    });

    it('a torn last line (no newline, half a record) is ignored; the records before it are read back in order', async () => {
      const d = dir();
      const { journal } = await JournalFile.open<LedgerRecord>(d);
      await journal.append({ op: 'open', leg: opening('a', SUB) });
      await journal.append({ op: 'close', channelId: 'a', endedAt: T0 + 1000 });
      await journal.close();
      const [file] = journal.segmentFiles();
      const torn = encodeLine(3, { op: 'open', leg: opening('b', SUB) });
      fs.appendFileSync(file as string, torn.slice(0, torn.length / 2));
      const reopened = await JournalFile.open<LedgerRecord>(d);
      expect(reopened.report.skippedLines).to.equal(1);
      expect(reopened.entries.map((e) => e.seq)).to.deep.equal([1, 2]);
      expect(reopened.entries.map((e) => e.record.op)).to.deep.equal(['open', 'close']);
      // New records go to a new segment, never after the torn line, and continue the numbering.
      expect(await reopened.journal.append({ op: 'close', channelId: 'b', endedAt: 1 })).to.equal(3);
      await reopened.journal.close();
      const again = await JournalFile.open<LedgerRecord>(d);
      expect(again.entries.map((e) => e.seq)).to.deep.equal([1, 2, 3]);
      await again.journal.close();
    });

    it('records written together share one fsync (group commit)', async () => {
      const { journal } = await JournalFile.open<LedgerRecord>(dir());
      await Promise.all(Array.from({ length: 50 }, (_, i) => journal.append({ op: 'close', channelId: `c${i}`, endedAt: i })));
      expect(journal.stats.records).to.equal(50);
      expect(journal.stats.syncs).to.be.below(50);
      await journal.close();
    });
  });

  describe('applying to the database', () => {
    it('applies each channel\'s records in the order written, the close reason carried as given', async () => {
      const target = new RecordingLedger();
      const ledger = await JournaledLedger.open({ dir: dir(), target, log: silentLog });
      await ledger.openLeg(opening('a', SUB));
      await ledger.assign('a', { roomId: 1, role: 'moderator' });
      await ledger.openLeg(opening('b', SUB));
      await ledger.closeLeg('a', T0 + 5000, 'hangup');
      await ledger.closeLeg('b', T0 + 6000);
      expect(await ledger.drained(5000)).to.equal(true);
      const ofA = target.applied.filter((op) => op.includes(' a'));
      expect(ofA).to.deep.equal(['open a', 'assign a moderator', `close a ${T0 + 5000} hangup`]);
      expect(target.applied.filter((op) => op.includes(' b'))).to.deep.equal(['open b', `close b ${T0 + 6000}`]);
      expect(ledger.backlog()).to.equal(0);
      await ledger.close();
    });

    it('while the database refuses, writes still resolve (journalled) and the backlog grows; then it is applied in order', async () => {
      const target = new RecordingLedger();
      target.down = true;
      const ledger = await JournaledLedger.open({ dir: dir(), target, log: silentLog, retryMs: { first: 10, max: 50 } });
      await ledger.openLeg(opening('a', SUB));
      await ledger.closeLeg('a', T0 + 1000);
      expect(ledger.backlog()).to.equal(2);
      await waitFor('a refused attempt', () => ledger.counts.failedAttempts > 1);
      expect(target.applied).to.deep.equal([]);
      target.down = false;
      expect(await ledger.drained(5000)).to.equal(true);
      expect(target.applied).to.deep.equal(['open a', `close a ${T0 + 1000}`]);
      await ledger.close();
    });

    it('a record the database refuses for good is skipped (and logged) instead of blocking the rest', async () => {
      const target = new RecordingLedger();
      target.permanent.add('open bad');
      const ledger = await JournaledLedger.open({ dir: dir(), target, log: silentLog, isPermanent: (err) => String(err).includes('permanent') });
      await ledger.openLeg(opening('bad', SUB));
      await ledger.openLeg(opening('good', SUB));
      expect(await ledger.drained(5000)).to.equal(true);
      expect(target.applied).to.deep.equal(['open good']);
      expect(ledger.counts.skipped).to.equal(1);
      await ledger.close();
    });

    it('once applied, full segments are deleted (compaction)', async () => {
      const d = dir();
      const target = new RecordingLedger();
      const ledger = await JournaledLedger.open({ dir: d, target, log: silentLog, rollBytes: 2000 });
      for (let i = 0; i < 40; i++) await ledger.openLeg(opening(`ch-${i}`, SUB));
      expect(await ledger.drained(5000)).to.equal(true);
      await ledger.closeLeg('ch-0', T0 + 1);
      expect(await ledger.drained(5000)).to.equal(true);
      const files = fs.readdirSync(d);
      expect(files.length).to.be.at.most(2);
      const size = files.reduce((n, f) => n + fs.statSync(path.join(d, f)).size, 0);
      expect(size).to.be.below(4000);
      await ledger.close();
    });
  });

  describe('replay into a real database', () => {
    let db: Database;
    let sub: Subscription;
    beforeEach(async () => {
      db = await openTestDb();
      ({ sub } = await accountWithNumber(db, '+18005550177'));
    });
    afterEach(async () => {
      await db?.close();
    });
    /** A journal in `d` (sealed, as the bridge's) whose database takes nothing: its records stay for a replay. */
    const unapplied = (d: string) => {
      const down = new RecordingLedger();
      down.down = true;
      return JournaledLedger.open({ dir: d, target: down, log: silentLog, retryMs: { first: 1000, max: 1000 }, seal: db.cipher });
    };

    it('a crash between the journal write and the database: the next start applies it', async () => {
      const d = dir();
      const never = new RecordingLedger();
      never.down = true; // the process "dies" before the database saw anything
      const first = await JournaledLedger.open({ dir: d, target: never, log: silentLog, retryMs: { first: 1000, max: 1000 } });
      await first.openLeg(opening('crash-1', sub, T0));
      await first.assign('crash-1', { roomId: (await db.rooms.forAccount(sub.accountId))[0]?.id ?? 0, role: 'participant' });
      await first.closeLeg('crash-1', T0 + 61_500);
      await first.close(0);
      expect(await db.ledger.findByChannel('crash-1')).to.equal(null);

      const second = await openJournaledLedger(db, d, silentLog);
      expect(await second.drained(10_000)).to.equal(true);
      const leg = await db.ledger.findByChannel('crash-1');
      expect(leg).to.deep.include({ answeredAt: T0, endedAt: T0 + 61_500, seconds: 62, billableSeconds: 120, role: 'participant' });
      await second.close();
    });

    it('records an older version left in the folder all processes shared are moved into this systemname\'s folder and applied; a folder with its own journal takes none', async () => {
      const shared = dir();
      const never = new RecordingLedger();
      never.down = true;
      const old = await JournaledLedger.open({ dir: shared, target: never, log: silentLog, retryMs: { first: 1000, max: 1000 } });
      await old.openLeg(opening('upgrade-1', sub, T0));
      await old.closeLeg('upgrade-1', T0 + 30_000);
      await old.close(0);

      // Another systemname already has a journal of its own: it is left as it is.
      const busy = path.join(shared, 'pop-b');
      const other = await JournaledLedger.open({ dir: busy, target: never, log: silentLog, retryMs: { first: 1000, max: 1000 } });
      await other.close(0);
      await (await openJournaledLedger(db, busy, silentLog, { adoptFrom: shared })).close(0);
      expect(fs.readdirSync(shared).filter((n) => n.endsWith('.jsonl')), 'segments still in the shared folder').to.have.length(1);
      expect(await db.ledger.findByChannel('upgrade-1')).to.equal(null);

      const mine = await openJournaledLedger(db, path.join(shared, 'pop-a'), silentLog, { adoptFrom: shared });
      expect(await mine.drained(10_000)).to.equal(true);
      expect(await db.ledger.findByChannel('upgrade-1')).to.deep.include({ answeredAt: T0, endedAt: T0 + 30_000 });
      expect(fs.readdirSync(shared).filter((n) => n.endsWith('.jsonl')), 'segments left in the shared folder').to.deep.equal([]);
      await mine.close();
    });

    it('caller numbers are sealed with the data key in the journal files (none in plaintext); the database gets the number; a plaintext record from before replays as it is', async () => {
      const d = dir();
      const caller = '+15550001111';
      const down = new RecordingLedger();
      down.down = true;
      // Written before sealing: plaintext in the file.
      const old = await JournaledLedger.open({ dir: d, target: down, log: silentLog, retryMs: { first: 1000, max: 1000 } });
      await old.openLeg(opening('before-seal', sub, T0));
      await old.close(0);
      const sealed = await JournaledLedger.open({ dir: d, target: down, log: silentLog, retryMs: { first: 1000, max: 1000 }, seal: db.cipher });
      await sealed.openLeg(opening('sealed', sub, T0 + 1000));
      const files = sealed.segmentFiles();
      await sealed.close(0);
      const written = files.map((f) => fs.readFileSync(f, 'utf8')).join('');
      expect(written).to.include('sealed');
      expect(written.split('\n').filter((line) => line.includes(caller)), 'lines with the number in plaintext').to.have.length(1);
      expect(written.split('\n').find((line) => line.includes(caller))).to.include('before-seal');

      const replay = await openJournaledLedger(db, d, silentLog);
      expect(await replay.drained(10_000)).to.equal(true);
      expect((await db.ledger.findByChannel('sealed'))?.callerNumber).to.equal(caller);
      expect((await db.ledger.findByChannel('before-seal'))?.callerNumber).to.equal(caller);
      await replay.close();
    });

    it('a callback leg\'s open carries its kind through the journal: the replay opens a callback at the callback rate; an open record from before callbacks (no legKind) replays as inbound', async () => {
      const d = dir();
      const first = await unapplied(d);
      await first.openLeg({ ...opening('cb-j', sub, T0), legKind: 'callback' });
      await first.closeLeg('cb-j', T0 + 61_000, 'hangup');
      const files = first.segmentFiles();
      await first.close(0);
      expect(files.map((f) => fs.readFileSync(f, 'utf8')).join('')).to.include('"legKind":"callback"');
      // A record as versions before callbacks wrote it: the opening has no legKind.
      fs.writeFileSync(path.join(d, '0000000050.jsonl'), encodeLine(50, { op: 'open', leg: opening('old-j', sub, T0) }));

      const replay = await openJournaledLedger(db, d, silentLog);
      expect(await replay.drained(10_000)).to.equal(true);
      expect(await db.ledger.findByChannel('cb-j')).to.deep.include({ legKind: 'callback', ratePerMinuteMicros: 30_000, seconds: 61, billableSeconds: 120, amountMicros: 60_000, endReason: 'hangup' });
      expect(await db.ledger.findByChannel('old-j')).to.deep.include({ legKind: 'inbound', ratePerMinuteMicros: 20_000, endedAt: null });
      await replay.close();
    });

    it('recovery keeps a callback leg\'s kind: journalled but not yet applied, and read back from the database', async () => {
      const d = dir();
      const pending = await unapplied(d);
      await pending.openLeg({ ...opening('cb-r', sub, T0), legKind: 'callback' });
      await pending.openLeg(opening('in-r', sub, T0));
      const laid = await pending.recovery({ openLegs: async () => [] }).openLegs();
      expect(laid.map((l) => [l.channelId, l.legKind, l.callerNumber])).to.deep.equal([['cb-r', 'callback', '+15550001111'], ['in-r', undefined, '+15550001111']]);
      await pending.close(0);

      const replay = await openJournaledLedger(db, d, silentLog);
      expect(await replay.drained(10_000)).to.equal(true);
      await replay.close();
      const fromDb = await databasePorts(db).legRecovery.openLegs();
      expect(fromDb.map((l) => [l.channelId, l.legKind])).to.deep.equal([['cb-r', 'callback'], ['in-r', undefined]]);
    });

    it('replaying records already applied changes nothing: no error, no second leg, the close stands', async () => {
      const d = dir();
      const first = await openJournaledLedger(db, d, silentLog);
      await first.openLeg(opening('twice-1', sub, T0));
      await first.closeLeg('twice-1', T0 + 30_000);
      expect(await first.drained(10_000)).to.equal(true);
      await first.close();
      // Put the whole history back, as if compaction never ran, and replay it twice.
      fs.writeFileSync(path.join(d, '0000000099.jsonl'), [
        encodeLine(1, { op: 'open', leg: opening('twice-1', sub, T0) }),
        encodeLine(2, { op: 'close', channelId: 'twice-1', endedAt: T0 + 30_000 }),
        encodeLine(3, { op: 'open', leg: opening('twice-1', sub, T0) }),
        encodeLine(4, { op: 'assign', channelId: 'twice-1', roomId: 1, role: 'moderator' }),
      ].join(''));
      for (let i = 0; i < 2; i++) {
        const replay = await openJournaledLedger(db, d, silentLog);
        expect(await replay.drained(10_000)).to.equal(true);
        expect(replay.counts.skipped).to.equal(0);
        await replay.close();
      }
      const rows = await db.knex('usage_ledger').where({ channel_id: 'twice-1' });
      expect(rows).to.have.length(1);
      expect(await db.ledger.findByChannel('twice-1')).to.deep.include({ endedAt: T0 + 30_000, seconds: 30, role: 'unauthenticated' });
    });

    it('the database port applies the close reason opaquely (ignored until the ledger stores reasons)', async () => {
      const ports = databasePorts(db);
      await ports.ledger.openLeg(opening('reason-1', sub, T0));
      await ports.ledger.closeLeg('reason-1', T0 + 1000, 'rtp-timeout');
      expect(await db.ledger.findByChannel('reason-1')).to.deep.include({ seconds: 1 });
    });
  });
});
