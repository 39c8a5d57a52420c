// The operator's number inventory and account subscriptions. A number's state is derived,
// never stored: subscribed while a live subscription exists; quarantined for N days after
// its release (so its old callers do not reach a new owner); otherwise available.
import { AlreadySubscribed, InvalidPhoneNumber, NotSubscribed, NumberExists, NumberNotAvailable, NumberNotFound } from '../errors.js';
import { isUniqueViolation, type NumberKind, type PhoneNumber, type RepositoryContext, type Subscription, type UsageSummary } from '../types.js';
import type { AccountsRepository } from './accounts.js';
import type { LedgerRepository } from './ledger.js';

const DAY_MS = 86_400_000;
const E164 = /^\+[1-9]\d{7,14}$/;
const KINDS: NumberKind[] = ['toll_free', 'local'];

interface NumberRow {
  id: number;
  e164: string;
  kind: NumberKind;
  released_at: number | null;
  live_account_id: number | null;
}

export function validateE164(e164: string): string {
  const n = e164.trim();
  if (!E164.test(n)) throw new InvalidPhoneNumber(`"${e164}" is not an E.164 number: + then 8 to 15 digits, e.g. +18005550100`);
  return n;
}

export interface NumberRoute {
  numberId: number;
  e164: string;
  kind: NumberKind;
  accountId: number;
  subscriptionId: number;
}

export class NumbersRepository {
  constructor(
    private readonly ctx: RepositoryContext,
    private readonly accounts: AccountsRepository,
    private readonly ledger: LedgerRepository,
  ) {}

  private toNumber(r: NumberRow): PhoneNumber {
    if (r.live_account_id !== null) return { id: r.id, e164: r.e164, kind: r.kind, state: 'subscribed', availableAt: null, accountId: r.live_account_id };
    const availableAt = r.released_at === null ? null : r.released_at + this.ctx.quarantineDays * DAY_MS;
    if (availableAt !== null && availableAt > this.ctx.now()) return { id: r.id, e164: r.e164, kind: r.kind, state: 'quarantined', availableAt, accountId: null };
    return { id: r.id, e164: r.e164, kind: r.kind, state: 'available', availableAt: null, accountId: null };
  }

  private query() {
    return this.ctx.knex('phone_numbers as n')
      .leftJoin('subscriptions as s', function () {
        this.on('s.number_id', '=', 'n.id').andOnNull('s.ended_at');
      })
      .select<NumberRow[]>('n.id', 'n.e164', 'n.kind', 'n.released_at', 's.account_id as live_account_id');
  }

  async add(e164: string, kind: NumberKind): Promise<PhoneNumber> {
    const number = validateE164(e164);
    if (!KINDS.includes(kind)) throw new InvalidPhoneNumber(`kind must be one of ${KINDS.join(', ')}`);
    try {
      await this.ctx.knex('phone_numbers').insert({ e164: number, kind, released_at: null, created_at: this.ctx.now() });
    } catch (err) {
      if (isUniqueViolation(err)) throw new NumberExists(`${number} is already in the inventory`);
      throw err;
    }
    return this.get(number);
  }

  async get(e164: string): Promise<PhoneNumber> {
    const row = await this.query().where('n.e164', validateE164(e164)).first();
    if (row === undefined) throw new NumberNotFound(`${e164} is not in the inventory`);
    return this.toNumber(row);
  }

  async list(filter: { availableOnly?: boolean; kind?: NumberKind } = {}): Promise<PhoneNumber[]> {
    let q = this.query().orderBy('n.e164');
    if (filter.kind !== undefined) q = q.where('n.kind', filter.kind);
    const all = (await q).map((r) => this.toNumber(r));
    return filter.availableOnly === true ? all.filter((n) => n.state === 'available') : all;
  }

  /** One page of list(), by e164: numbers after `after`, at most `limit` of them. */
  async listPage(filter: { availableOnly?: boolean; kind?: NumberKind }, page: { after?: string; limit: number }): Promise<PhoneNumber[]> {
    const out: PhoneNumber[] = [];
    let after = page.after ?? '';
    for (;;) {
      let q = this.query().where('n.e164', '>', after).orderBy('n.e164').limit(page.limit);
      if (filter.kind !== undefined) q = q.where('n.kind', filter.kind);
      const chunk = (await q).map((r) => this.toNumber(r));
      for (const n of chunk) if (filter.availableOnly !== true || n.state === 'available') out.push(n);
      if (out.length >= page.limit || chunk.length < page.limit) return out.slice(0, page.limit);
      after = chunk[chunk.length - 1]?.e164 ?? after;
    }
  }

  /** The caller's path: the live subscription behind a dialled number, in one indexed query. */
  async routeFor(e164: string): Promise<NumberRoute | null> {
    const row = await this.ctx.reader('phone_numbers as n')
      .join('subscriptions as s', function () {
        this.on('s.number_id', '=', 'n.id').andOnNull('s.ended_at');
      })
      .where('n.e164', e164)
      .first<{ numberId: number; e164: string; kind: NumberKind; accountId: number; subscriptionId: number } | undefined>(
        'n.id as numberId', 'n.e164 as e164', 'n.kind as kind', 's.account_id as accountId', 's.id as subscriptionId',
      );
    return row ?? null;
  }

  async subscribe(e164: string, accountId: number): Promise<Subscription> {
    await this.accounts.requireActive(accountId);
    const number = await this.get(e164);
    if (number.state === 'subscribed') {
      if (number.accountId === accountId) throw new AlreadySubscribed(`account ${accountId} already holds ${number.e164}`);
      throw new NumberNotAvailable(`${number.e164} is held by another account`);
    }
    if (number.state === 'quarantined') {
      throw new NumberNotAvailable(`${number.e164} rests in quarantine until ${new Date(number.availableAt ?? 0).toISOString()}`);
    }
    try {
      // The unique index on live subscriptions decides a race: exactly one insert succeeds.
      const [row] = await this.ctx.knex('subscriptions')
        .insert({ account_id: accountId, number_id: number.id, started_at: this.ctx.now(), ended_at: null })
        .returning<{ id: number }[]>('id');
      return this.subscription(row?.id ?? -1);
    } catch (err) {
      if (isUniqueViolation(err)) throw new NumberNotAvailable(`${number.e164} was just taken by another account`);
      throw err;
    }
  }

  /** Ends the subscription (calls in progress go on and are billed), quarantines the number. */
  async unsubscribe(e164: string, accountId: number): Promise<{ subscription: Subscription; usage: UsageSummary }> {
    const number = await this.get(e164);
    const live = await this.ctx.knex('subscriptions').where({ number_id: number.id, account_id: accountId }).whereNull('ended_at').first<{ id: number } | undefined>('id');
    if (live === undefined) throw new NotSubscribed(`account ${accountId} does not hold ${number.e164}`);
    const now = this.ctx.now();
    await this.ctx.knex.transaction(async (trx) => {
      await trx('subscriptions').where({ id: live.id }).whereNull('ended_at').update({ ended_at: now });
      await trx('phone_numbers').where({ id: number.id }).update({ released_at: now });
    });
    return { subscription: await this.subscription(live.id), usage: await this.ledger.usage(accountId, { numberId: number.id }) };
  }

  async subscriptionsFor(accountId: number): Promise<Subscription[]> {
    const rows = await this.subscriptionQuery().where('s.account_id', accountId).orderBy('s.id');
    return rows;
  }

  /** One page of subscriptionsFor(), by id. */
  async subscriptionsPage(accountId: number, page: { after?: number; limit: number }): Promise<Subscription[]> {
    return this.subscriptionQuery().where('s.account_id', accountId).where('s.id', '>', page.after ?? 0).orderBy('s.id').limit(page.limit);
  }

  private subscriptionQuery() {
    return this.ctx.knex('subscriptions as s')
      .join('phone_numbers as n', 'n.id', 's.number_id')
      .select<Subscription[]>('s.id as id', 's.account_id as accountId', 's.number_id as numberId', 'n.e164 as e164', 's.started_at as startedAt', 's.ended_at as endedAt');
  }

  private async subscription(id: number): Promise<Subscription> {
    const row = await this.subscriptionQuery().where('s.id', id).first();
    if (row === undefined) throw new Error(`subscription ${id} vanished`);
    return row;
  }
}
