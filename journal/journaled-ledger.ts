// The usage ledger as the call machines see it, made independent of the database's health:
// every open, assign and close is first appended to the local journal (fsync'd: that is the
// moment it is durable and the caller's path goes on), then applied to the database in the
// order it was written, as soon as the database takes it. A database that is locked, slow or
// down only grows the backlog; it never refuses a caller or loses a billed second.
//
// Applying is idempotent (opening a leg that exists, closing a closed leg, assigning a closed
// leg: no error, no second leg), so on start everything left in the journal is simply applied
// again, whether it reached the database before the crash or not.
//
// The start-up resync reads the open legs through `recovery()`: the database's, with the
// records not yet applied laid over them in journal order. It sees a leg the replay has yet to
// open (and closes it if its channel is gone) and never one the replay is about to close; its
// own closes are journal records after the replayed ones, so the database gets them in that
// order whenever the replay runs.
import type { Logger } from 'pino';
import type { LegRecovery, UsageLedger } from '../flows/ports.js';
import type { LegAssignment, LegEndReason, LegOpening, OpenLeg } from '../domain/legs.js';
import { JournalFile, type JournalEntry } from './journal-file.js';

export type LedgerRecord =
  // The opening whole, legKind included; a record written before callbacks has none: inbound.
  | { op: 'open'; leg: LegOpening }
  | ({ op: 'assign'; channelId: string } & LegAssignment)
  | { op: 'close'; channelId: string; endedAt: number; reason?: LegEndReason };

/**
 * Seals a personal field for the journal's files and opens it again (db/field-cipher.ts's
 * FieldCipher, with the data key): the journal keeps a caller's number only as long as the
 * database is behind, but it is a file on disk all the same.
 */
export interface PersonalFieldSeal {
  encrypt(plain: string | null): string | null;
  /** A value written before sealing (no prefix) comes back as it is. */
  decrypt(stored: string | null): string | null;
}

export interface JournaledLedgerOptions {
  /** The journal's directory (e.g. <data dir>/ledger-journal). */
  dir: string;
  /** Where records are applied: the database's ledger port. */
  target: UsageLedger;
  log: Logger;
  /**
   * An error the database will give again however often it is asked (a domain error, say an
   * unknown number): the record is logged in full and skipped instead of blocking the rest.
   */
  isPermanent?: (err: unknown) => boolean;
  /** First and longest wait between attempts while the database refuses (ms). */
  retryMs?: { first: number; max: number };
  rollBytes?: number;
  /** fdatasync each group before it resolves (default); false: OS write only (see README). */
  sync?: boolean;
  /** Caller numbers are written sealed with it; absent: as given (tests of the journal alone). */
  seal?: PersonalFieldSeal;
}

/** Records applied per round: channels in parallel (the SQLite writer commits them as one group). */
const APPLY_BATCH = 256;
/**
 * Channels applied at once. Each waiting write holds a database connection (PostgreSQL's pool
 * has 10): a locked table must not take them all from the number and PIN lookups callers wait on.
 */
const APPLY_PARALLEL = 4;

function channelOf(record: LedgerRecord): string {
  return record.op === 'open' ? record.leg.channelId : record.channelId;
}

export class JournaledLedger implements UsageLedger {
  private readonly pending: Array<JournalEntry<LedgerRecord>> = [];
  private applying: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  /** Records applied since start, and records skipped as permanently refused. */
  readonly counts = { applied: 0, skipped: 0, failedAttempts: 0 };

  private constructor(
    private readonly journal: JournalFile<LedgerRecord>,
    private readonly options: JournaledLedgerOptions,
  ) {}

  /** Opens the journal, queues what an earlier run left in it, and starts applying. */
  static async open(options: JournaledLedgerOptions): Promise<JournaledLedger> {
    const { journal, entries, report } = await JournalFile.open<LedgerRecord>(options.dir, { rollBytes: options.rollBytes, sync: options.sync });
    const ledger = new JournaledLedger(journal, options);
    if (report.skippedLines > 0) options.log.warn({ dir: options.dir, skippedLines: report.skippedLines }, 'ledger journal: torn or damaged lines ignored');
    if (entries.length > 0) options.log.info({ dir: options.dir, records: entries.length }, 'ledger journal: replaying records from an earlier run');
    ledger.pending.push(...entries);
    ledger.kick();
    return ledger;
  }

  openLeg(leg: LegOpening): Promise<void> {
    const seal = this.options.seal;
    return this.write({ op: 'open', leg: seal === undefined ? leg : { ...leg, callerNumber: seal.encrypt(leg.callerNumber) } });
  }

  assign(channelId: string, assignment: LegAssignment): Promise<void> {
    return this.write({ op: 'assign', channelId, ...assignment });
  }

  closeLeg(channelId: string, endedAt: number, reason?: LegEndReason): Promise<void> {
    return this.write(reason === undefined ? { op: 'close', channelId, endedAt } : { op: 'close', channelId, endedAt, reason });
  }

  /** The open legs as they stand once everything journalled is applied (see the header). */
  recovery(database: LegRecovery): LegRecovery {
    return {
      openLegs: async () => {
        // Copied before the database is read: a record applied meanwhile then counts twice, which
        // changes nothing (opening an open leg, closing a closed one), rather than not at all.
        const pending = this.pending.map((e) => e.record);
        const legs = new Map((await database.openLegs()).map((l) => [l.channelId, l]));
        for (const record of pending) applyToOpenLegs(legs, record, this.options.seal);
        return [...legs.values()];
      },
    };
  }

  /** Records on disk not yet applied to the database (for health checks). */
  backlog(): number {
    return this.pending.length;
  }

  /** fdatasync calls made and the records they carried. */
  get syncStats(): { syncs: number; records: number } {
    return { ...this.journal.stats };
  }

  segmentFiles(): string[] {
    return this.journal.segmentFiles();
  }

  /** Resolves once everything written so far is applied (or `timeoutMs` passed: false). */
  async drained(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.pending.length > 0 || this.applying !== undefined) {
      if (Date.now() > deadline) return this.pending.length === 0;
      await new Promise((r) => setTimeout(r, 10));
    }
    return true;
  }

  /**
   * Applies what it can within `drainMs`, then stops; what is left stays in the journal and is
   * applied on the next start.
   */
  async close(drainMs = 5000): Promise<void> {
    const drained = await this.drained(drainMs);
    this.stopped = true;
    this.wake?.();
    // A database that hangs (a lock held for ever) must not hang the stop: give it a moment.
    await Promise.race([this.applying, new Promise((r) => setTimeout(r, 1000).unref())]);
    await this.journal.close();
    if (!drained) this.options.log.warn({ backlog: this.pending.length, dir: this.options.dir }, 'ledger journal: stopped with records not yet in the database; they are applied on the next start');
  }

  private async write(record: LedgerRecord): Promise<void> {
    const seq = await this.journal.append(record);
    // Groups resolve in seq order, but keep the queue sorted whatever happens.
    let i = this.pending.length;
    while (i > 0 && (this.pending[i - 1] as JournalEntry<LedgerRecord>).seq > seq) i--;
    this.pending.splice(i, 0, { seq, record });
    this.kick();
  }

  private kick(): void {
    if (this.stopped || this.applying !== undefined) return;
    this.applying = this.applyAll().finally(() => {
      this.applying = undefined;
      if (this.pending.length > 0 && !this.stopped) this.kick();
    });
  }

  private async applyAll(): Promise<void> {
    const { first, max } = this.options.retryMs ?? { first: 100, max: 2000 };
    let delay = first;
    while (this.pending.length > 0 && !this.stopped) {
      const batch = this.pending.slice(0, APPLY_BATCH);
      const error = await this.applyBatch(batch);
      if (error === null) {
        this.pending.splice(0, batch.length);
        this.counts.applied += batch.length;
        delay = first;
        try {
          await this.journal.applied((batch.at(-1) as JournalEntry<LedgerRecord>).seq);
        } catch (err) {
          this.options.log.warn({ err, dir: this.options.dir }, 'ledger journal: compaction failed (records are applied; old segments stay)');
        }
        continue;
      }
      this.counts.failedAttempts++;
      this.options.log.warn({ err: error, backlog: this.pending.length, retryInMs: delay }, 'ledger journal: database did not take the records; retrying');
      await this.sleep(delay);
      delay = Math.min(delay * 2, max);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /**
   * One round: each channel's records in order, channels side by side. The whole round is
   * retried if any record fails for a passing reason (records are idempotent).
   */
  private async applyBatch(batch: Array<JournalEntry<LedgerRecord>>): Promise<Error | null> {
    const chains = new Map<string, LedgerRecord[]>();
    for (const { record } of batch) {
      const key = channelOf(record);
      const chain = chains.get(key);
      if (chain === undefined) chains.set(key, [record]);
      else chain.push(record);
    }
    const queue = [...chains.values()];
    const outcomes: Array<PromiseSettledResult<void>> = [];
    await Promise.all(
      Array.from({ length: Math.min(APPLY_PARALLEL, queue.length) }, async () => {
        for (let records = queue.shift(); records !== undefined; records = queue.shift()) {
          const chain = records;
          const [outcome] = await Promise.allSettled([(async () => {
            for (const record of chain) await this.applyOne(record);
          })()]);
          outcomes.push(outcome);
        }
      }),
    );
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed === undefined) return null;
    return failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
  }

  private async applyOne(record: LedgerRecord): Promise<void> {
    const { target } = this.options;
    try {
      switch (record.op) {
        case 'open': {
          const seal = this.options.seal;
          await target.openLeg(seal === undefined ? record.leg : { ...record.leg, callerNumber: seal.decrypt(record.leg.callerNumber) });
          return;
        }
          return;
        case 'assign': {
          const { op: _op, channelId, ...assignment } = record;
          await target.assign(channelId, assignment);
          return;
        }
        case 'close':
          if (record.reason === undefined) await target.closeLeg(record.channelId, record.endedAt);
          else await target.closeLeg(record.channelId, record.endedAt, record.reason);
          return;
      }
    } catch (err) {
      if (this.options.isPermanent?.(err) !== true) throw err;
      this.counts.skipped++;
      this.options.log.error({ err, record }, 'ledger journal: the database refused this record for good; skipped (the record is in this log line)');
    }
  }
}

/** One journal record laid over the open legs (JournaledLedger.recovery). */
function applyToOpenLegs(legs: Map<string, OpenLeg>, record: LedgerRecord, seal: PersonalFieldSeal | undefined): void {
  switch (record.op) {
    case 'open':
      if (!legs.has(record.leg.channelId)) {
        const callerNumber = seal === undefined ? record.leg.callerNumber : seal.decrypt(record.leg.callerNumber);
        legs.set(record.leg.channelId, { ...record.leg, callerNumber, role: null });
      }
      return;
    case 'assign': {
      const leg = legs.get(record.channelId);
      if (leg !== undefined) legs.set(record.channelId, { ...leg, role: record.role });
      return;
    }
    case 'close':
      legs.delete(record.channelId);
      return;
  }
}
