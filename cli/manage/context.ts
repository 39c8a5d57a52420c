// What every management command needs: the database (the one the running bridge uses),
// opened for the command and closed after it, and argument helpers with clear errors.
import { loadConfig } from '../../config/config.js';
import { openDatabase, type Database } from '../../db/index.js';
import { UsageError, type ParsedArgs } from '../command.js';

export async function withDatabase<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config.database, { pinSecret: config.pinSecret });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export function positional(args: ParsedArgs, index: number, name: string): string {
  const value = args.positionals[index];
  if (value === undefined) throw new UsageError(`missing ${name}`);
  return value;
}

export function option(args: ParsedArgs, name: string): string | undefined {
  const value = args.values[name];
  return typeof value === 'string' ? value : undefined;
}

export function requiredOption(args: ParsedArgs, name: string, hint: string): string {
  const value = option(args, name);
  if (value === undefined) throw new UsageError(`--${name} is required (${hint})`);
  return value;
}

export function intOption(args: ParsedArgs, name: string): number | undefined {
  const raw = option(args, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} takes a whole number, not "${raw}"`);
  return Number(raw);
}

/** ACCOUNT is a numeric id or an e-mail address. */
export async function accountId(db: Database, ref: string): Promise<number> {
  if (/^\d+$/.test(ref)) return (await db.accounts.get(Number(ref))).id;
  const account = await db.accounts.findByEmail(ref);
  if (account === null) throw new UsageError(`no account with id or e-mail "${ref}"`);
  return account.id;
}

/** YYYY-MM-DD (UTC midnight) or an ISO timestamp, as epoch ms. */
export function dateOption(args: ParsedArgs, name: string): number | undefined {
  const raw = option(args, name);
  if (raw === undefined) return undefined;
  const ms = /^\d{4}-\d\d-\d\d$/.test(raw) ? Date.parse(`${raw}T00:00:00Z`) : /^\d{4}-\d\d-\d\dT/.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--${name} takes a date like 2026-11-01 or an ISO timestamp, not "${raw}"`);
  return ms;
}
