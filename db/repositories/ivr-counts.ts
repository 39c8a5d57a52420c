// The calls each bridge process has in its IVR, as it publishes them (table ivr_counts,
// migration 015), so the IVR caps hold for every process on the database together
// (app/calls/shared-ivr-counts.ts). One row per systemname and subject: a dialled number, a
// calling number (a keyed hash, as the PIN guard's counters keep it: the table holds no number;
// withheld numbers are one caller) or the failed entries on a dialled number. A row not
// refreshed since a moment is not counted: its process died.
import type { RepositoryContext } from '../types.js';
import { callerSubject } from './pin-failures.js';

export type IvrCountScope = 'number' | 'caller' | 'failing';

export interface IvrCount {
  scope: IvrCountScope;
  /** The dialled number; for 'caller' the calling number as the call has it ('' or null: withheld). */
  subject: string | null;
  count: number;
}

interface Row {
  scope: IvrCountScope;
  subject: string;
  calls: number | string;
}

const TABLE = 'ivr_counts';
/** Rows per insert statement (SQLite's bound on variables per statement is far above 5 x this). */
const BATCH = 200;

export class IvrCountsRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /** How a subject is stored: callers hashed, dialled numbers as they are. */
  subjectOf(scope: IvrCountScope, subject: string | null): string {
    return scope === 'caller' ? callerSubject(this.ctx.cipher, subject) : (subject ?? '').slice(0, 64);
  }

  /**
   * Writes `changed` (a count of 0 deletes its row) for `systemName`, every row of it stamped
   * `now`: published and refreshed in one transaction.
   */
  async publish(systemName: string, changed: IvrCount[], now: number): Promise<void> {
    await this.ctx.knex.transaction(async (trx) => {
      const rows = changed.map((c) => ({ system_name: systemName, scope: c.scope, subject: this.subjectOf(c.scope, c.subject), calls: c.count, published_at: now }));
      for (const gone of rows.filter((r) => r.calls <= 0)) await trx(TABLE).where({ system_name: systemName, scope: gone.scope, subject: gone.subject }).delete();
      const kept = rows.filter((r) => r.calls > 0);
      for (let i = 0; i < kept.length; i += BATCH) {
        await trx(TABLE).insert(kept.slice(i, i + BATCH)).onConflict(['system_name', 'scope', 'subject']).merge(['calls', 'published_at']);
      }
      await trx(TABLE).where({ system_name: systemName }).update({ published_at: now });
    });
  }

  /** Every row of `systemName` gone (a clean stop, or a start after a process that died). */
  async withdraw(systemName: string): Promise<void> {
    await this.ctx.knex(TABLE).where({ system_name: systemName }).delete();
  }

  /** The counts of every other systemname published after `since`, summed per subject (callers hashed). */
  async others(systemName: string, since: number): Promise<Array<{ scope: IvrCountScope; subject: string; count: number }>> {
    // On the reader: SQLite's one writer connection stays free for the ledger and the PIN guard.
    const rows = await this.ctx.reader(TABLE)
      .whereNot({ system_name: systemName })
      .andWhere('published_at', '>', since)
      .groupBy('scope', 'subject')
      .select<Row[]>('scope', 'subject', this.ctx.reader.raw('SUM(calls) AS calls'));
    return rows.map((r) => ({ scope: r.scope, subject: r.subject, count: Number(r.calls) }));
  }

  /** Deletes rows of any systemname not refreshed since `before` (processes long dead); returns how many. */
  async prune(before: number): Promise<number> {
    return this.ctx.knex(TABLE).where('published_at', '<', before).delete();
  }
}
