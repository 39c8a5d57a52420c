// Shared by the data-layer tests: a settable clock, an error matcher, and small builders.
import { expect } from 'chai';
import type { Database, DatabaseOptions } from '../../db/index.js';
import type { LedgerEntry, Subscription } from '../../db/types.js';
import type { LegKind } from '../../domain/legs.js';
import { createTestDatabase } from '../support/db-fixture.js';

export const DAY_MS = 86_400_000;

/** A clock the test moves by hand. */
export class Clock {
  constructor(public t: number) {}
  readonly now = (): number => this.t;
  advance(ms: number): number {
    this.t += ms;
    return this.t;
  }
}

export async function openTestDb(options: Partial<DatabaseOptions> = {}): Promise<Database> {
  return createTestDatabase(options);
}

/** Awaits a promise that must reject with a DomainError of this code; returns the error. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<Error> {
  let result: unknown;
  try {
    result = await promise;
  } catch (err) {
    expect(err, `expected ${code}, got ${String(err)}`).to.be.instanceOf(Error);
    expect((err as { code?: unknown }).code, `expected ${code}, got ${String(err)}`).to.equal(code);
    return err as Error;
  }
  expect.fail(`expected a rejection with ${code}, got ${JSON.stringify(result)}`);
}

/** Awaits a promise that must reject with any error (e.g. a database trigger); returns it. */
export async function rejects(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  expect.fail('expected a rejection');
}

let seq = 0;
export function uniqueTag(): string {
  seq++;
  return `${process.pid}-${seq}`;
}

/** An account with a subscribed number (added to the inventory first). */
export async function accountWithNumber(db: Database, e164: string, kind: 'toll_free' | 'local' = 'toll_free'): Promise<{ accountId: number; sub: Subscription }> {
  const { account } = await db.accounts.create({ name: `Owner ${e164}`, email: `owner-${uniqueTag()}@example.test` });
  await db.numbers.add(e164, kind);
  const sub = await db.numbers.subscribe(e164, account.id, { asOperator: kind === 'local' });
  return { accountId: account.id, sub };
}

/** Opens a leg on a subscription, answered at `answeredAt` (an inbound one unless `legKind` says otherwise). */
export async function openLeg(db: Database, sub: Subscription, channelId: string, answeredAt: number, callerNumber: string | null = '+15551230000', legKind?: LegKind): Promise<LedgerEntry> {
  return db.ledger.openLeg({ channelId, accountId: sub.accountId, subscriptionId: sub.id, numberId: sub.numberId, dialled: sub.e164, callerNumber, answeredAt, ...(legKind === undefined ? {} : { legKind }) });
}

/** A callback leg (the bridge's call back to a waiting participant) on a subscription, answered at `answeredAt`. */
export function openCallback(db: Database, sub: Subscription, channelId: string, answeredAt: number): Promise<LedgerEntry> {
  return openLeg(db, sub, channelId, answeredAt, '+15550002222', 'callback');
}
