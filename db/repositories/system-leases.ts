// Leases on Asterisk systemnames (migration 013): a bridge process claims its systemname at
// start, renews the claim every few seconds and gives it up on a clean stop, so that two live
// processes never run the same systemname on one database (app/calls/system-lease.ts). Every change is
// one statement, atomic on SQLite and PostgreSQL alike: of two processes claiming at once,
// exactly one wins.
import type { RepositoryContext } from '../types.js';

/** One running process: `id` is `<host>/<pid>/<process start>`, never reused by a later process. */
export interface LeaseHolder {
  id: string;
  host: string;
  pid: number;
}

export interface SystemLease {
  systemName: string;
  holder: LeaseHolder;
  /** When this holder claimed it (epoch ms). */
  since: number;
  renewedAt: number;
  expiresAt: number;
}

export type LeaseClaim = { won: true; lease: SystemLease } | { won: false; lease: SystemLease };

interface LeaseRow {
  system_name: string;
  holder: string;
  host: string;
  pid: number | string;
  since: number | string;
  renewed_at: number | string;
  expires_at: number | string;
}

const TABLE = 'system_leases';

function leaseOf(row: LeaseRow): SystemLease {
  return {
    systemName: row.system_name,
    holder: { id: row.holder, host: row.host, pid: Number(row.pid) },
    since: Number(row.since),
    renewedAt: Number(row.renewed_at),
    expiresAt: Number(row.expires_at),
  };
}

export class SystemLeasesRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /**
   * Claims `systemName` for `holder` for `ttlMs`: won when nobody holds it, its lease expired,
   * `holder` holds it already (a renewal), or it is held by `replacing` (a holder the caller
   * found dead; naming it means a live holder that took the lease meanwhile is not replaced).
   * Lost: the lease as it stands.
   */
  async claim(systemName: string, holder: LeaseHolder, ttlMs: number, replacing?: string): Promise<LeaseClaim> {
    const { knex } = this.ctx;
    // A lease released between the refused claim and the read is claimed again (a few times at most).
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.ctx.now();
      const rows = await knex(TABLE)
        .insert({ system_name: systemName, holder: holder.id, host: holder.host, pid: holder.pid, since: now, renewed_at: now, expires_at: now + ttlMs })
        .onConflict('system_name')
        .merge({
          holder: knex.raw('excluded.holder'),
          host: knex.raw('excluded.host'),
          pid: knex.raw('excluded.pid'),
          since: knex.raw(`CASE WHEN ${TABLE}.holder = excluded.holder THEN ${TABLE}.since ELSE excluded.since END`),
          renewed_at: knex.raw('excluded.renewed_at'),
          expires_at: knex.raw('excluded.expires_at'),
        })
        .where((q) => {
          q.where(`${TABLE}.expires_at`, '<=', now).orWhere(`${TABLE}.holder`, holder.id);
          if (replacing !== undefined) q.orWhere(`${TABLE}.holder`, replacing);
        })
        .returning<LeaseRow[]>(['system_name', 'holder', 'host', 'pid', 'since', 'renewed_at', 'expires_at']);
      const won = rows[0];
      if (won !== undefined && won.holder === holder.id) return { won: true, lease: leaseOf(won) };
      const current = await this.get(systemName);
      if (current !== null) return { won: false, lease: current };
    }
    throw new Error(`the lease on systemname ${systemName} could not be claimed nor read: it is claimed and released over and over`);
  }

  /** Extends the holder's lease; false when another holder has it now (lost). */
  async renew(systemName: string, holderId: string, ttlMs: number): Promise<boolean> {
    const now = this.ctx.now();
    const changed = await this.ctx.knex(TABLE).where({ system_name: systemName, holder: holderId }).update({ renewed_at: now, expires_at: now + ttlMs });
    return changed > 0;
  }

  /** Gives the lease up, if `holderId` still holds it. */
  async release(systemName: string, holderId: string): Promise<void> {
    await this.ctx.knex(TABLE).where({ system_name: systemName, holder: holderId }).delete();
  }

  async get(systemName: string): Promise<SystemLease | null> {
    const row = await this.ctx.knex<LeaseRow>(TABLE).where({ system_name: systemName }).first();
    return row === undefined ? null : leaseOf(row);
  }
}
