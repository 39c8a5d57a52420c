// The ledger's and the database's side of GET /metrics: legs opened and closed by this process,
// the journal's backlog (records on disk not yet in the database: the figure /health reports),
// and database errors by operation. The ports are wrapped where the bridge is composed; the
// journal is read at scrape time.
import { Gauge, type Registry } from 'prom-client';
import type { Directory, PinGuard, UsageLedger } from '../flows/ports.js';
import { Count, Tally } from './tally.js';

export type DatabaseOperation = 'number-lookup' | 'room-lookup' | 'pin-check' | 'pin-guard' | 'ledger-apply';
const DATABASE_OPERATIONS: readonly DatabaseOperation[] = ['number-lookup', 'room-lookup', 'pin-check', 'pin-guard', 'ledger-apply'];

/** The ledger journal as a scrape reads it (journal/journaled-ledger.ts). */
export interface JournalView {
  backlog(): number;
  /** Rounds the database refused (retried) and records it refused for good (skipped). */
  readonly counts: { failedAttempts: number; skipped: number };
}

export class LedgerMetrics {
  private journal: JournalView | null = null;
  private readonly opened: Count;
  private readonly closed: Count;
  private readonly databaseErrors: Tally<DatabaseOperation>;

  constructor(registry: Registry) {
    const journal = () => this.journal;
    this.opened = new Count(registry, 'tollbridge_ledger_legs_opened_total', 'Legs opened by this process (one per answered call)');
    this.closed = new Count(registry, 'tollbridge_ledger_legs_closed_total', 'Legs closed by this process (calls ended, and legs of calls found gone at a resync)');
    new Gauge({
      name: 'tollbridge_ledger_journal_backlog',
      help: 'Ledger records in the local journal not yet applied to the database',
      registers: [registry],
      collect() {
        this.set(journal()?.backlog() ?? 0);
      },
    });
    this.databaseErrors = new Tally(registry, 'tollbridge_database_errors_total', 'Database operations that failed, by operation (ledger-apply: journal rounds the database refused, and records it refused for good)', 'operation', DATABASE_OPERATIONS, () => {
      const counts = journal()?.counts;
      return { 'ledger-apply': counts === undefined ? 0 : counts.failedAttempts + counts.skipped };
    });
  }

  watchJournal(journal: JournalView): void {
    this.journal = journal;
  }

  /** The ledger port, counting the legs it opens and closes. */
  countLegs(ledger: UsageLedger): UsageLedger {
    return {
      openLeg: (leg) => ledger.openLeg(leg).then(() => this.opened.add()),
      assign: (channelId, assignment) => ledger.assign(channelId, assignment),
      closeLeg: (channelId, endedAt, reason) => ledger.closeLeg(channelId, endedAt, reason).then(() => this.closed.add()),
    };
  }

  /** The directory port, counting its failed lookups. */
  countDirectoryErrors(directory: Directory): Directory {
    return {
      routeFor: (e164) => this.failures('number-lookup', directory.routeFor(e164)),
      findRoom: (roomNumber) => this.failures('room-lookup', directory.findRoom(roomNumber)),
      verifyPin: (roomId, pin) => this.failures('pin-check', directory.verifyPin(roomId, pin)),
    };
  }

  /** The PIN guard, counting its failed reads and writes. */
  countPinGuardErrors(guard: PinGuard): PinGuard {
    return {
      status: (attempt) => this.failures('pin-guard', guard.status(attempt)),
      recordFailure: (attempt) => this.failures('pin-guard', guard.recordFailure(attempt)),
    };
  }

  private failures<T>(operation: DatabaseOperation, result: Promise<T>): Promise<T> {
    return result.catch((err: unknown) => {
      this.databaseErrors.add(operation);
      throw err;
    });
  }
}
