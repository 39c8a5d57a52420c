// The audit log from the CLI side: every state-changing command that succeeded is recorded
// (who: the OS user; what: the command; target: its arguments, never PINs or passwords), and
// `tollbridge audit` shows the log (API and CLI entries alike) to the operator.
import { userInfo } from 'node:os';
import type { AuditEntry } from '../db/index.js';
import { maskEmail } from '../domain/email.js';
import { UsageError, type Command, type ParsedArgs } from './command.js';
import { option, when, withDatabase } from './open-db.js';
import { parseDate } from './usage.js';

/** Commands that change state, by path. */
const CHANGES = new Set(['accounts create', 'accounts deactivate', 'rooms set-pins', 'rooms set', 'numbers add', 'numbers subscribe', 'numbers unsubscribe', 'rates set', 'ledger close', 'orgs create', 'orgs invite', 'orgs join', 'orgs remove', 'orgs leave', 'accounts delete', 'privacy retention', 'pins clear', 'pins lift']);
/** Options worth naming in the target (never --moderator/--participant: PINs). */
const TARGET_OPTIONS = ['account', 'email', 'kind', 'caller', 'caller-hash'];
/** A calling number is personal data: the log keeps its last two characters (…34). */
const maskCaller = (n: string) => `…${n.trim().slice(-2)}`;

function actor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return `cli:uid-${process.getuid?.() ?? '?'}`;
  }
}

export function changesState(command: Command): boolean {
  return CHANGES.has(command.path.join(' '));
}

/** Records a successful state-changing command. */
export async function recordCliAction(command: Command, args: ParsedArgs): Promise<void> {
  const named = TARGET_OPTIONS.flatMap((name) => {
    const value = option(args, name);
    if (value === undefined) return [];
    return [`--${name} ${name === 'caller' ? maskCaller(value) : value}`];
  });
  // E-mail addresses are personal data: the log keeps them masked (a…@example.com).
  const target = [...args.positionals, ...named].map((part) => part.split(' ').map((w) => (w.includes('@') ? maskEmail(w) : w)).join(' ')).join(' ');
  await withDatabase((db) => db.audit.record({ actor: actor(), action: `tollbridge ${command.path.join(' ')}`, target, address: null }));
}

const entryLine = (e: AuditEntry) => [when(e.at).padEnd(21), e.actor.padEnd(14), e.action.padEnd(40), ` ${JSON.stringify(e.target)}`, e.address === null ? '' : ` from ${e.address}`].join(' ');

export const auditCommand: Command = {
  path: ['audit'],
  summary: 'operator: who changed what (API and CLI), oldest first',
  usage: 'audit [--from DATE] [--to DATE] [--limit N] [--after ID]',
  optionHelp: ['--from DATE  entries from this date: 2026-11-01 (UTC) or an ISO timestamp with its zone', '--to DATE  entries before this date, same form', '--limit N  at most N entries (default 100, at most 10000)', '--after ID  entries after this id (the last one shown)'],
  options: { from: { type: 'string' }, to: { type: 'string' }, limit: { type: 'string' }, after: { type: 'string' } },
  async run(args, io) {
    const rawLimit = option(args, 'limit') ?? '100';
    if (!/^\d{1,5}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > 10_000) throw new UsageError('--limit takes a whole number from 1 to 10000');
    const rawAfter = option(args, 'after');
    if (rawAfter !== undefined && !/^\d{1,15}$/.test(rawAfter)) throw new UsageError('--after takes an entry id');
    const from = option(args, 'from');
    const to = option(args, 'to');
    const entries = await withDatabase((db) =>
      db.audit.list({
        limit: Number(rawLimit),
        ...(rawAfter === undefined ? {} : { after: Number(rawAfter) }),
        ...(from === undefined ? {} : { from: parseDate(from, 'from') }),
        ...(to === undefined ? {} : { to: parseDate(to, 'to') }),
      }),
    );
    io.result(entries, entries.length === 0 ? 'no audit entries' : entries.map(entryLine).join('\n'));
  },
};
