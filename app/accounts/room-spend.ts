// What a room's calls have cost this month against its spend cap (domain/spend-cap.ts), read
// from the ledger: the API and the web page show it, the bridge decides with it.
import type { Database, Room } from '../../db/index.js';
import { periodBounds, periodOf } from '../../domain/billing.js';
import { spendLevel, spentMicros, type SpendCap, type SpendLevel } from '../../domain/spend-cap.js';

export interface RoomSpend {
  /** The calendar month (UTC), 'YYYY-MM'. */
  period: string;
  spentMicros: number;
  /** Null: the room has no cap. */
  cap: SpendCap | null;
  level: SpendLevel;
}

/** The room's spend this month by `now` (toll-free calls and callbacks), open legs rated up to now. */
export async function roomSpend(db: Database, room: Pick<Room, 'id' | 'accountId' | 'organizationId' | 'spendCap'>, now: number): Promise<RoomSpend> {
  const period = periodOf(now);
  const bounds = periodBounds(period);
  if (bounds === null) throw new Error(`no calendar month for ${now}`);
  const accountIds = room.organizationId === null ? [room.accountId] : [room.accountId, room.organizationId];
  const spent = spentMicros(await db.ledger.roomSpendEntries({ id: room.id, accountIds }, bounds.start, bounds.end), now);
  return { period, spentMicros: spent, cap: room.spendCap, level: room.spendCap === null ? 'under' : spendLevel(spent, room.spendCap) };
}
