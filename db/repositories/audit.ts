// The audit log (migration 006): one row per state-changing API request or CLI command.
import type { RepositoryContext } from '../types.js';

export interface AuditEntry {
  id: number;
  at: number;
  actor: string;
  action: string;
  target: string;
  address: string | null;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export class AuditRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async record(entry: { actor: string; action: string; target: string; address?: string | null }): Promise<void> {
    await this.ctx.knex('audit_log').insert({
      at: this.ctx.now(),
      actor: clip(entry.actor, 100),
      action: clip(entry.action, 100),
      target: clip(entry.target, 300),
      address: entry.address === undefined || entry.address === null ? null : clip(entry.address, 100),
    });
  }

  /** Oldest first, in [from, to), after id `after`, at most `limit`. */
  async list(filter: { from?: number; to?: number; after?: number; limit: number }): Promise<AuditEntry[]> {
    let q = this.ctx.knex('audit_log').where('id', '>', filter.after ?? 0);
    if (filter.from !== undefined) q = q.where('at', '>=', filter.from);
    if (filter.to !== undefined) q = q.where('at', '<', filter.to);
    const rows = await q.orderBy('id').limit(filter.limit).select<AuditEntry[]>('id', 'at', 'actor', 'action', 'target', 'address');
    return rows.map((r) => ({ ...r, id: Number(r.id), at: Number(r.at) }));
  }
}
