// The database: migrated on open, with the repositories the app, the CLI and the API share.
import type { Knex } from 'knex';
import type { DatabaseConfig } from '../config/config.js';
import { connect, connectReader } from './connection.js';
import { migrationSource } from './migrations/index.js';
import { AccountsRepository } from './repositories/accounts.js';
import { AccountLinksRepository } from './repositories/account-links.js';
import { AuditRepository } from './repositories/audit.js';
import { CredentialsRepository } from './repositories/credentials.js';
import { LedgerRepository } from './repositories/ledger.js';
import { NumbersRepository } from './repositories/numbers.js';
import { RatesRepository } from './repositories/rates.js';
import { RoomsRepository } from './repositories/rooms.js';
import { RecordingsRepository } from './repositories/recordings.js';
import { SystemLeasesRepository } from './repositories/system-leases.js';
import { SigninFailuresRepository } from './repositories/signin-failures.js';
import { IvrCountsRepository } from './repositories/ivr-counts.js';
import { OperatorSessionsRepository } from './repositories/operator-sessions.js';
import { PinFailuresRepository } from './repositories/pin-failures.js';
import type { PinLockPolicy } from '../domain/pin-locks.js';
import { StatementsRepository } from './repositories/statements.js';
import { OrganizationsRepository } from './repositories/organizations.js';
import { PersonalDataRepository } from './repositories/personal-data.js';
import { CredentialChanges } from './credential-changes.js';
import { createFieldCipher, type FieldCipher } from './field-cipher.js';
import { PUBLIC_TEST_DATA_KEY } from '../config/data-key.js';
import { randomRoomNumber } from '../domain/room-number.js';
import { createPasswordHasher, type PasswordHasher, type PasswordHasherOptions } from './passwords.js';
import { staticKeyring, type PinKeyring } from '../config/pin-keys.js';
import type { OwnerLimits } from '../domain/limits.js';
import { pgLedgerWriter } from './pg-ledger-writer.js';
import { sqliteLedgerWriter } from './sqlite-ledger-writer.js';

export type * from './types.js';
export type { LineFigures, Statement, StatementLine } from './repositories/statements.js';
export type { ApiKey, Credential } from './repositories/credentials.js';
export type { AuditEntry } from './repositories/audit.js';
export type { Member, MemberUsage, Organization, OrganizationSummary } from './repositories/organizations.js';
export type { AccountExport } from './repositories/personal-data.js';
export type { LeaseClaim, LeaseHolder, SystemLease } from './repositories/system-leases.js';
export type { FailureRule, SigninKey, SigninScope } from './repositories/signin-failures.js';
export type { IvrCount, IvrCountScope } from './repositories/ivr-counts.js';
export { DEFAULT_CALLER_RETENTION_DAYS } from './repositories/personal-data.js';
export type { PasswordHasher, PasswordHasherOptions } from './passwords.js';

export interface DatabaseOptions {
  /** The PIN keys (config.pinKeys); or `pinSecret`: one key, id 0 (tests, benchmarks). */
  pinKeys?: PinKeyring;
  pinSecret?: string;
  /** Limits on owners' subscriptions (config.owners); absent: none (tests). */
  ownerLimits?: OwnerLimits;
  /** SQLite: how long a write waits for another process's (busy_timeout, default 5000 ms). */
  sqliteBusyMs?: number;
  now?: () => number;
  /** Days a released number rests before anyone may take it (default 30). */
  quarantineDays?: number;
  /** The languages a room may be set to (ivr/languages.ts); default any language code. */
  roomLanguages?: readonly string[];
  proposeRoomNumber?: () => string;
  /** Password hashing: scrypt cost, workers, queue bound (default: the recommended cost, 1 worker, 16 waiting). */
  passwordHashing?: PasswordHasherOptions;
  /**
   * The key of caller numbers and e-mail addresses at rest (config.dataKey: the secrets file's,
   * or TOLLBRIDGE_DATA_KEY), kept outside the database. Absent with `pinSecret` (tests,
   * benchmarks): PUBLIC_TEST_DATA_KEY; absent with `pinKeys`: refused.
   */
  dataKey?: string;
  /** PIN guessing locks (TOLLBRIDGE_PIN_*); default DEFAULT_PIN_LOCK_POLICY. */
  pinLockPolicy?: PinLockPolicy;
  /** Shortest moderator PIN that may be set (TOLLBRIDGE_MODERATOR_PIN_MIN_DIGITS; default 4). */
  moderatorPinMinDigits?: number;
}

export interface Database {
  knex: Knex;
  client: 'sqlite' | 'postgres';
  accounts: AccountsRepository;
  rooms: RoomsRepository;
  numbers: NumbersRepository;
  rates: RatesRepository;
  ledger: LedgerRepository;
  statements: StatementsRepository;
  credentials: CredentialsRepository;
  passwords: PasswordHasher;
  audit: AuditRepository;
  organizations: OrganizationsRepository;
  personalData: PersonalDataRepository;
  /** Single-use e-mail links: password reset, e-mail change. */
  accountLinks: AccountLinksRepository;
  pinFailures: PinFailuresRepository;
  /** Conference recordings: their files, times and who was present. */
  recordings: RecordingsRepository;
  /** Which bridge process runs which Asterisk systemname (one live process per systemname). */
  systemLeases: SystemLeasesRepository;
  /** Wrong passwords per client address and per account, shared by every API process (api/backoff.ts). */
  signinFailures: SigninFailuresRepository;
  /** The calls each bridge process has in its IVR, so the IVR caps hold for all of them together. */
  ivrCounts: IvrCountsRepository;
  /** The operator's web sessions, shared by every API process (web/operator-pages.ts). */
  operatorSessions: OperatorSessionsRepository;
  /** Personal fields at rest, with the data key: for what is kept outside the database too (the ledger journal). */
  cipher: FieldCipher;
  close(): Promise<void>;
}

export async function openDatabase(cfg: DatabaseConfig, options: DatabaseOptions): Promise<Database> {
  const pinKeys = options.pinKeys ?? (options.pinSecret !== undefined && options.pinSecret !== '' ? staticKeyring({ 0: options.pinSecret }, 0) : null);
  if (pinKeys === null) throw new Error('openDatabase: no PIN key; PINs are hashed with it (config.pinKeys)');
  const dataKey = options.dataKey ?? (options.pinKeys === undefined ? PUBLIC_TEST_DATA_KEY : '');
  if (dataKey === '') throw new Error('openDatabase: no data key; caller numbers and e-mail addresses are encrypted with it (config.dataKey)');
  const knex = connect(cfg, options.sqliteBusyMs);
  try {
    await knex.migrate.latest({ migrationSource });
  } catch (err) {
    // Unreachable or refused: let go of the pool, or its timers keep a failed process alive.
    await knex.destroy().catch(() => undefined);
    throw err;
  }
  // After the migrations: the reader opens the file the writer has created and migrated.
  // (An in-memory database exists only on its one connection.)
  const reader = cfg.client === 'sqlite' && cfg.filename !== ':memory:' ? connectReader(cfg, options.sqliteBusyMs) : knex;
  const ctx = {
    knex,
    reader,
    now: options.now ?? (() => Date.now()),
    pinKeys,
    ownerLimits: options.ownerLimits ?? null,
    quarantineDays: options.quarantineDays ?? 30,
    roomLanguages: options.roomLanguages,
    proposeRoomNumber: options.proposeRoomNumber ?? randomRoomNumber,
    passwords: createPasswordHasher(options.passwordHashing),
    cipher: createFieldCipher(dataKey),
    credentialChanges: new CredentialChanges(),
  };
  const accounts = new AccountsRepository(ctx);
  const writer = cfg.client === 'sqlite' ? sqliteLedgerWriter(knex) : pgLedgerWriter(cfg.url);
  const ledger = new LedgerRepository(ctx, writer);
  const rooms = new RoomsRepository(ctx, { moderatorMinDigits: options.moderatorPinMinDigits ?? 4 });
  const numbers = new NumbersRepository(ctx, accounts, ledger);
  const organizations = new OrganizationsRepository(ctx, accounts, rooms);
  const recordings = new RecordingsRepository(ctx);
  const personalData = new PersonalDataRepository(ctx, { accounts, rooms, numbers, ledger, organizations, recordings });
  await personalData.encryptPlaintextOnce();
  const pinFailures = new PinFailuresRepository(ctx, cfg.client, options.pinLockPolicy);
  // Every open (one indexed read once done): calling numbers stored before they were hashed get hashed.
  await pinFailures.hashPlaintextCallers();
  return {
    knex,
    client: cfg.client,
    accounts,
    rooms,
    numbers,
    rates: new RatesRepository(ctx),
    ledger,
    statements: new StatementsRepository(ctx),
    credentials: new CredentialsRepository(ctx),
    passwords: ctx.passwords,
    audit: new AuditRepository(ctx),
    organizations,
    personalData,
    accountLinks: new AccountLinksRepository(ctx),
    pinFailures,
    recordings,
    systemLeases: new SystemLeasesRepository(ctx),
    signinFailures: new SigninFailuresRepository(ctx),
    ivrCounts: new IvrCountsRepository(ctx),
    operatorSessions: new OperatorSessionsRepository(ctx),
    cipher: ctx.cipher,
    close: async () => {
      await rooms.cache.stop();
      await writer.dispose();
      if (reader !== knex) await reader.destroy();
      await knex.destroy();
      await ctx.passwords.close();
    },
  };
}
