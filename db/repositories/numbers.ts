// The operator's number inventory and account subscriptions. A number's state is derived,
// never stored: subscribed while a live subscription exists; quarantined for N days after
// its release (so its old callers do not reach a new owner); otherwise available.
import type { Knex } from 'knex';
import { AccountDeactivated, AccountNotFound, AlreadySubscribed, InvalidPhoneNumber, NotSubscribed, NumberExists, NumberNotAvailable, NumberNotFound, SubscriptionLimit } from '../../domain/errors.js';
import { isUniqueViolation, type PhoneNumber, type RepositoryContext, type Subscription, type UsageSummary } from '../types.js';
import type { NumberKind } from '../../domain/numbers.js';
import { validateE164, type NumberRoute } from '../../domain/numbers.js';
import { lockAccount } from '../account-lock.js';
import type { AccountsRepository } from './accounts.js';
import type { LedgerRepository } from './ledger.js';

const DAY_MS = 86_400_000;
const KINDS: NumberKind[] = ['toll_free', 'local'];

interface NumberRow {
  id: number;
  e164: string;
  kind: NumberKind;
  released_at: number | null;
  live_account_id: number | null;
}

/**
 * The one answer for a number an account cannot have, whatever the reason (held by another
 * account, in quarantine, not in the inventory, not toll-free): nobody learns the state of
 * another customer's number by trying to subscribe to it.
 */
function notAvailable(e164: string): InstanceType<typeof NumberNotAvailable> {
  return new NumberNotAvailable(`${e164} is not available: choose one of the available numbers (GET /v1/accounts/{id}/numbers/available, tollbridge numbers list --available)`);
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

  private query(knex: Knex = this.ctx.knex) {
    return knex('phone_numbers as n')
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

  /** The caller's path: the live subscription of an active account behind a dialled number, in one indexed query. */
  async routeFor(e164: string): Promise<NumberRoute | null> {
    const row = await this.ctx.reader('phone_numbers as n')
      .join('subscriptions as s', function () {
        this.on('s.number_id', '=', 'n.id').andOnNull('s.ended_at');
      })
      // A deactivated account answers no call, even if a subscription of it were left live.
      .join('accounts as a', function () {
        this.on('a.id', '=', 's.account_id').andOnNull('a.deactivated_at');
      })
      .where('n.e164', e164)
      .first<{ numberId: number; e164: string; kind: NumberKind; accountId: number; subscriptionId: number } | undefined>(
        'n.id as numberId', 'n.e164 as e164', 'n.kind as kind', 's.account_id as accountId', 's.id as subscriptionId',
      );
    return row ?? null;
  }

  /**
   * An account takes an available toll-free number. One transaction under the account's lock
   * (see lockAccount), so it cannot interleave with the account's deactivation; within the
   * owner limits (ctx.ownerLimits); any number the account cannot have gets the same answer.
   * `asOperator` (the operator's CLI): local numbers too, and the owner limits do not apply.
   */
  async subscribe(e164: string, accountId: number, options: { asOperator?: boolean } = {}): Promise<Subscription> {
    const asOperator = options.asOperator === true;
    const wanted = validateE164(e164);
    let id: number;
    try {
      id = await this.ctx.knex.transaction(async (trx) => {
        if (!(await lockAccount(trx, accountId))) throw new AccountNotFound(`no account ${accountId}`);
        const account = await trx('accounts').where({ id: accountId }).first<{ deactivated_at: number | null }>('deactivated_at');
        if (account.deactivated_at !== null) throw new AccountDeactivated(`account ${accountId} is deactivated`);
        const row = await this.query(trx).where('n.e164', wanted).first();
        const number = row === undefined ? null : this.toNumber(row);
        if (number !== null && number.state === 'subscribed' && number.accountId === accountId) throw new AlreadySubscribed(`account ${accountId} already holds ${number.e164}`);
        if (number === null || (number.kind !== 'toll_free' && !asOperator) || number.state !== 'available') throw notAvailable(wanted);
        if (!asOperator) await this.checkLimits(trx, accountId);
        // The unique index on live subscriptions decides a race between accounts: one insert wins.
        const [inserted] = await trx('subscriptions')
          .insert({ account_id: accountId, number_id: number.id, started_at: this.ctx.now(), ended_at: null })
          .returning<{ id: number }[]>('id');
        return inserted?.id ?? -1;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw notAvailable(wanted);
      throw err;
    }
    return this.subscription(id);
  }

  private async checkLimits(trx: Knex.Transaction, accountId: number): Promise<void> {
    const limits = this.ctx.ownerLimits;
    if (limits === null) return;
    const count = async (q: Knex.QueryBuilder): Promise<number> => Number((await q.count<{ n: number | string }[]>({ n: '*' }).first())?.n ?? 0);
    const held = await count(trx('subscriptions').where({ account_id: accountId }).whereNull('ended_at'));
    if (held >= limits.maxNumbersPerAccount) {
      throw new SubscriptionLimit(`an account may hold ${limits.maxNumbersPerAccount} numbers at once (TOLLBRIDGE_MAX_NUMBERS_PER_ACCOUNT): unsubscribe one first`);
    }
    const recent = await count(trx('subscriptions').where({ account_id: accountId }).where('started_at', '>', this.ctx.now() - DAY_MS));
    if (recent >= limits.maxSubscribesPerDay) {
      throw new SubscriptionLimit(`an account may start ${limits.maxSubscribesPerDay} subscriptions in 24 hours (TOLLBRIDGE_MAX_SUBSCRIBES_PER_DAY): try again later`);
    }
  }

  /**
   * Ends the subscription (calls in progress go on and are billed) and quarantines the number,
   * unless it was held only briefly (ownerLimits.unusedReleaseMs) and never called: then
   * nobody can have learnt it, and it goes back to the inventory at once (so cycling numbers
   * through subscribe/unsubscribe cannot put the inventory in quarantine).
   */
  async unsubscribe(e164: string, accountId: number): Promise<{ subscription: Subscription; usage: UsageSummary }> {
    const wanted = validateE164(e164);
    const now = this.ctx.now();
    const ended = await this.ctx.knex.transaction(async (trx) => {
      await lockAccount(trx, accountId);
      const live = await trx('subscriptions as s')
        .join('phone_numbers as n', 'n.id', 's.number_id')
        .where({ 'n.e164': wanted, 's.account_id': accountId })
        .whereNull('s.ended_at')
        .first<{ id: number; number_id: number; started_at: number } | undefined>('s.id', 's.number_id', 's.started_at');
      if (live === undefined) throw new NotSubscribed(`account ${accountId} does not hold ${wanted}`);
      await trx('subscriptions').where({ id: live.id }).whereNull('ended_at').update({ ended_at: now });
      const unusedRelease = this.ctx.ownerLimits?.unusedReleaseMs ?? 0;
      const brief = now - Number(live.started_at) < unusedRelease;
      const called = brief && (await trx('usage_ledger').where({ subscription_id: live.id }).first('id')) !== undefined;
      if (!brief || called) await trx('phone_numbers').where({ id: live.number_id }).update({ released_at: now });
      return live;
    });
    return { subscription: await this.subscription(ended.id), usage: await this.ledger.usage(accountId, { numberId: ended.number_id }) };
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
