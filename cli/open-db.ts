// What every account/operator command needs: the database the running bridge uses (from
// loadConfig(); main.ts has already applied --db), opened for one command and closed after it,
// and argument helpers whose errors say what to type instead.
import { loadConfig, type Config, type DatabaseConfig } from '../config/config.js';
import { isSqliteBusy } from './sqlite-busy.js';
import { openDatabase, type Database, type DatabaseOptions } from '../db/index.js';
import { AccountNotFound, DatabaseBusy } from '../domain/errors.js';
import { reasonOf, ServiceUnavailableError } from '../app/calls/service-unavailable.js';
import type { Logger } from 'pino';
import { roomLanguages } from '../ivr/languages.js';
import { UsageError, type ParsedArgs } from './command.js';

/** What every process opens the database with: the PIN keys, the data key, quarantine, owner limits, room languages, PIN guessing locks and PIN rules. */
export function databaseOptions(config: Config): DatabaseOptions {
  const g = config.pinGuessing;
  return {
    pinKeys: config.pinKeys,
    dataKey: config.dataKey,
    quarantineDays: config.quarantineDays,
    ownerLimits: config.owners,
    sqliteBusyMs: config.sqliteBusyMs,
    roomLanguages: roomLanguages(config),
    pinLockPolicy: { roomLockAfter: g.roomLockAfter, callerLockAfter: g.callerLockAfter, lockMs: g.lockMs, windowMs: g.windowMs },
    moderatorPinMinDigits: g.moderatorPinMinDigits,
  };
}

/** Opens the database, runs `fn`, and closes the database whatever happens. */
export async function withDatabase<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config.database, databaseOptions(config));
  try {
    return await fn(db);
  } catch (err) {
    // The bounded wait (BEGIN IMMEDIATE under busy_timeout) ran out: a domain error, not SQL.
    if (isSqliteBusy(err)) throw new DatabaseBusy(`the database is busy: another tollbridge command or the bridge kept it locked longer than ${config.sqliteBusyMs} ms (TOLLBRIDGE_SQLITE_BUSY_MS); nothing was changed, try again`);
    throw err;
  } finally {
    await db.close();
  }
}

/**
 * For `start` and `api`: says where the generated secrets are when this start created them, and
 * warns about rooms whose PINs were hashed with a key this process lacks (an installation from
 * before generated keys, whose TOLLBRIDGE_PIN_SECRET is no longer set): nobody can enter them.
 */
export async function reportSecrets(config: Config, db: Database, log: Logger): Promise<void> {
  if (config.secretsCreated) log.info({ file: config.secretsFile }, 'generated this installation\'s secrets (PIN key, data key, ARI and AMI passwords, operator token) into a file only its owner may read');
  if (config.devMode) log.warn('TOLLBRIDGE_DEV_MODE is on: public development secrets are accepted; never run so in production');
  const stranded = await db.rooms.countWithoutKey();
  if (stranded > 0) {
    log.warn({ rooms: stranded }, 'rooms with PINs hashed with a key this process does not have (set TOLLBRIDGE_PIN_SECRET to the old secret, or set their PINs again): their callers cannot enter');
  }
}

/** Where the database is, for messages: the file, or the URL without its password. */
export function describeDatabase(cfg: DatabaseConfig): string {
  if (cfg.client === 'sqlite') return cfg.filename;
  try {
    const url = new URL(cfg.url);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://…';
  }
}

/** For the long-running commands: a database that cannot be opened is ServiceUnavailable (exit 69). */
export async function openServiceDatabase(config: Config): Promise<Database> {
  try {
    return await openDatabase(config.database, databaseOptions(config));
  } catch (err) {
    throw new ServiceUnavailableError('database', `cannot open the database ${describeDatabase(config.database)}: ${reasonOf(err)}`, { cause: err });
  }
}

/** The positional argument at `index`; `what` names it in the error, e.g. 'ROOM (the 8-digit room number)'. */
export function positional(args: ParsedArgs, index: number, what: string): string {
  const value = args.positionals[index];
  if (value === undefined || value === '') throw new UsageError(`missing ${what}`);
  return value;
}

/** Refuses positional arguments beyond the `count` the command takes (a typo would otherwise be ignored). */
export function noExtraPositionals(args: ParsedArgs, count: number): void {
  const extra = args.positionals.slice(count);
  if (extra.length > 0) throw new UsageError(`unexpected argument${extra.length > 1 ? 's' : ''}: ${extra.join(' ')}`);
}

export function option(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

export function requiredOption(args: ParsedArgs, name: string, hint: string): string {
  const value = option(args, name);
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required: ${hint}`);
  return value;
}

/** A whole number option, or undefined when absent. */
export function integerOption(args: ParsedArgs, name: string, hint: string): number | undefined {
  const raw = option(args, name);
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw.trim())) throw new UsageError(`--${name} takes a whole number (${hint}), not "${raw}"`);
  return Number(raw.trim());
}

/** The one positional argument ACCOUNT (an id or e-mail); anything after it is refused. */
export function accountArg(args: ParsedArgs): string {
  const ref = positional(args, 0, 'ACCOUNT (the account id or e-mail)');
  noExtraPositionals(args, 1);
  return ref;
}

export const ACCOUNT_HELP = 'ACCOUNT  the account id (digits) or its e-mail address';

/** ACCOUNT is a numeric id or an e-mail address; an unknown one is AccountNotFound (exit 2). */
export async function resolveAccountId(db: Database, ref: string): Promise<number> {
  const text = ref.trim();
  if (/^\d+$/.test(text)) return (await db.accounts.get(Number(text))).id;
  if (!text.includes('@')) throw new UsageError(`ACCOUNT is an account id (digits) or an e-mail address, not "${ref}"`);
  const account = await db.accounts.findByEmail(text);
  if (account === null) throw new AccountNotFound(`no account with e-mail ${text.toLowerCase()}: check the address, or use the account id`);
  return account.id;
}

/** ISO date-time in UTC to the second, for human output (JSON keeps epoch ms); '-' for null. */
export function when(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
