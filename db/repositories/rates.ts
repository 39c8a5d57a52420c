// Rates per number kind, and for callbacks (domain/billing.ts RateKind), as a history: a change
// applies to legs answered after it.
import { InvalidRate } from '../../domain/errors.js';
import { RATE_KINDS, type RateKind } from '../../domain/billing.js';
import type { Rate, RepositoryContext } from '../types.js';

interface RateRow {
  kind: RateKind;
  per_minute_micros: number;
  increment_seconds: number;
  minimum_seconds: number;
  effective_from: number;
}

const toRate = (r: RateRow): Rate => ({
  kind: r.kind,
  perMinuteMicros: Number(r.per_minute_micros),
  incrementSeconds: r.increment_seconds,
  minimumSeconds: r.minimum_seconds,
  effectiveFrom: Number(r.effective_from),
});

/**
 * The highest price per minute: 100 currency units (100,000,000 micros). The ledger rates a leg
 * in SQL as billable seconds × micros per minute × 2 in 64-bit integers, and amounts come back
 * as JavaScript numbers (exact to 2^53): at this price a single leg is rated exactly up to 62
 * days. A higher price would overflow the rating, so it is refused when it is set.
 */
export const MAX_RATE_PER_MINUTE_MICROS = 100_000_000;

export class RatesRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async set(kind: RateKind, rate: { perMinuteMicros: number; incrementSeconds?: number; minimumSeconds?: number }): Promise<Rate> {
    if (!RATE_KINDS.includes(kind)) throw new InvalidRate(`kind must be ${RATE_KINDS.join(', ')}`);
    const increment = rate.incrementSeconds ?? 60;
    const minimum = rate.minimumSeconds ?? 0;
    if (!Number.isSafeInteger(rate.perMinuteMicros) || rate.perMinuteMicros < 0) throw new InvalidRate('the price per minute must be a non-negative amount');
    if (rate.perMinuteMicros > MAX_RATE_PER_MINUTE_MICROS) {
      throw new InvalidRate(`the price per minute may be at most ${MAX_RATE_PER_MINUTE_MICROS / 1_000_000} (a higher one would overflow the ledger's rating of long legs)`);
    }
    if (!Number.isInteger(increment) || increment < 1 || increment > 3600) throw new InvalidRate('the increment must be 1 to 3600 seconds');
    if (!Number.isInteger(minimum) || minimum < 0 || minimum > 86_400) throw new InvalidRate('the minimum must be 0 to 86400 seconds');
    const row: RateRow = { kind, per_minute_micros: rate.perMinuteMicros, increment_seconds: increment, minimum_seconds: minimum, effective_from: this.ctx.now() };
    await this.ctx.knex('rates').insert(row);
    return toRate(row);
  }

  async current(kind: RateKind): Promise<Rate> {
    const row = await this.ctx.knex<RateRow>('rates').where({ kind }).where('effective_from', '<=', this.ctx.now()).orderBy([{ column: 'effective_from', order: 'desc' }, { column: 'id', order: 'desc' }]).first();
    if (row === undefined) throw new InvalidRate(`no rate for ${kind}`);
    return toRate(row);
  }

  async history(kind: RateKind): Promise<Rate[]> {
    return (await this.ctx.knex<RateRow>('rates').where({ kind }).orderBy('id')).map(toRate);
  }
}
