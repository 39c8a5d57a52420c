// Single-use, expiring e-mail links (forgotten password, new e-mail address): a link works once,
// not after its lifetime, not for another purpose; a newer link retires the older one; of two
// concurrent uses exactly one wins; only the token's hash is stored. The e-mail change itself.
// Addresses are encrypted at rest (migration 009, 011): the waiting new address and the changed
// one are ciphertext in their rows, and the account is found by its new address only.
import { expect } from 'chai';
import type { Database } from '../../db/index.js';
import { LINK_LIFETIME_MS } from '../../db/repositories/account-links.js';
import { Clock, openTestDb, rejectsWith } from './helpers.js';

const T0 = Date.UTC(2026, 11, 2, 1);

describe('db: account links by e-mail', function () {
  this.timeout(20_000);
  let db: Database;
  let clock: Clock;
  let accountId: number;

  beforeEach(async () => {
    clock = new Clock(T0);
    db = await openTestDb({ now: clock.now });
    accountId = (await db.accounts.create({ name: 'Links', email: 'links@example.test', password: 'correct horse battery' })).account.id;
  });
  afterEach(async () => {
    await db.close();
  });

  it('a password-reset link works once and is stored only as a hash', async () => {
    const token = await db.accountLinks.create(accountId, 'password_reset');
    const stored = await db.knex('account_links').select('token_hash');
    expect(JSON.stringify(stored)).to.not.contain(token);
    expect(await db.accountLinks.use(token, 'password_reset')).to.deep.equal({ accountId, newEmail: null });
    await rejectsWith(db.accountLinks.use(token, 'password_reset'), 'LinkInvalid');
  });

  it('a link expires after its lifetime, and works just before it', async () => {
    const late = await db.accountLinks.create(accountId, 'password_reset');
    clock.advance(LINK_LIFETIME_MS.password_reset);
    await rejectsWith(db.accountLinks.use(late, 'password_reset'), 'LinkInvalid');
    const onTime = await db.accountLinks.create(accountId, 'email_change', 'new@example.test');
    clock.advance(LINK_LIFETIME_MS.email_change - 1);
    expect(await db.accountLinks.use(onTime, 'email_change')).to.deep.equal({ accountId, newEmail: 'new@example.test' });
  });

  it('a link does not work for another purpose, an unknown token fails, and a newer link retires the older', async () => {
    const reset = await db.accountLinks.create(accountId, 'password_reset');
    await rejectsWith(db.accountLinks.use(reset, 'email_change'), 'LinkInvalid');
    await rejectsWith(db.accountLinks.use('no-such-token', 'password_reset'), 'LinkInvalid');
    const newer = await db.accountLinks.create(accountId, 'password_reset');
    await rejectsWith(db.accountLinks.use(reset, 'password_reset'), 'LinkInvalid');
    expect((await db.accountLinks.use(newer, 'password_reset')).accountId).to.equal(accountId);
  });

  it('of two concurrent uses of one link exactly one wins', async () => {
    const token = await db.accountLinks.create(accountId, 'password_reset');
    const results = await Promise.allSettled([db.accountLinks.use(token, 'password_reset'), db.accountLinks.use(token, 'password_reset')]);
    expect(results.filter((r) => r.status === 'fulfilled')).to.have.length(1);
  });

  it('changeEmail sets a normalised address and refuses one another account has', async () => {
    await db.accounts.create({ name: 'Other', email: 'taken@example.test' });
    expect((await db.accounts.changeEmail(accountId, ' New@Example.TEST ')).email).to.equal('new@example.test');
    await rejectsWith(db.accounts.changeEmail(accountId, 'taken@example.test'), 'EmailTaken');
    expect((await db.accounts.get(accountId)).email).to.equal('new@example.test');
  });

  it('a waiting new address and a changed address are stored encrypted; the account is found by the new one only', async () => {
    const longAddress = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(60)}.test`;
    await db.accountLinks.create(accountId, 'email_change', longAddress);
    const [link] = await db.knex('account_links').select<Array<{ new_email: string }>>('new_email');
    expect(link?.new_email).to.match(/^v1:/).and.not.contain('a'.repeat(64));
    const token = await db.accountLinks.create(accountId, 'email_change', 'moved@example.test');
    const used = await db.accountLinks.use(token, 'email_change');
    expect(used.newEmail).to.equal('moved@example.test');
    await db.accounts.changeEmail(accountId, used.newEmail ?? '');
    const row = await db.knex('accounts').where({ id: accountId }).first<{ email: string; email_index: string }>('email', 'email_index');
    expect(row?.email).to.match(/^v1:/).and.not.contain('moved');
    expect(row?.email_index).to.equal(db.accounts.emailIndex('moved@example.test'));
    expect((await db.accounts.findByEmail('Moved@Example.test'))?.id).to.equal(accountId);
    expect(await db.accounts.findByEmail('links@example.test')).to.equal(null);
    expect(await db.accounts.verifyPassword('moved@example.test', 'correct horse battery')).to.not.equal(null);
  });
});
