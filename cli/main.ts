#!/usr/bin/env node
// tollbridge's command line: `tollbridge COMMAND [SUBCOMMAND] [ARGS] [--json]`.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { changesState, recordCliAction } from './audit.js';
import { commands } from './commands.js';
import { UsageError, type Command, type CommandIO } from './command.js';
import { ConfigError } from '../config/config.js';
import { ServiceUnavailableError } from '../app/calls/service-unavailable.js';
import { SYSTEM_NAME_TAKEN_EXIT, SystemNameTaken } from '../app/calls/system-lease.js';
import { DatabaseBusy } from '../domain/errors.js';
import { safeForTerminal } from './terminal-text.js';
import { isSqliteBusy } from './sqlite-busy.js';
import { repoRoot } from '../config/paths.js';
import { unknownEnvironmentNames, unknownNameWarning } from '../config/settings-source.js';

const GLOBAL_OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  db: { type: 'string' },
} as const;

function findCommand(argv: string[]): { command: Command; rest: string[] } | null {
  // Longest path first: `numbers subscribe` before `numbers`.
  const sorted = [...commands].sort((a, b) => b.path.length - a.path.length);
  for (const command of sorted) {
    if (command.path.every((word, i) => argv[i] === word)) return { command, rest: argv.slice(command.path.length) };
  }
  return null;
}

function overview(): string {
  return [
    'tollbridge: dial-in audio conference bridge on Asterisk',
    '',
    'Usage: tollbridge COMMAND [ARGS] [--json] [--db URL]',
    '',
    'Commands:',
    ...commands.flatMap((c) => [`  ${c.usage}`, `      ${c.summary}`]),
    '',
    'Global options:',
    '  --json      print one JSON document on stdout',
    '  --db URL    database (sqlite:FILE or postgres://...); default TOLLBRIDGE_DB or ./data/tollbridge.sqlite',
    '  -h, --help  this text; `tollbridge COMMAND --help` explains one command',
    '  -v, --version  the version of tollbridge (package.json)',
  ].join('\n');
}

/** package.json's version: what an operator reports and compares after an upgrade. */
function version(): string {
  const pkg: unknown = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8'));
  const value = typeof pkg === 'object' && pkg !== null && 'version' in pkg ? pkg.version : undefined;
  return typeof value === 'string' ? value : 'unknown';
}

function commandHelp(c: Command): string {
  return [`Usage: tollbridge ${c.usage}`, '', c.summary, '', 'Options:', ...c.optionHelp.map((l) => `  ${l}`), '  --json  print one JSON document', '  --db URL  database to use'].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const found = findCommand(argv);
  if (found === null) {
    const asksHelp = argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help';
    (asksHelp ? process.stdout : process.stderr).write(overview() + '\n');
    if (!asksHelp) process.stderr.write(`\nUnknown command: ${argv.join(' ')}\n`);
    return asksHelp ? 0 : 64;
  }
  const { command, rest } = found;
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...GLOBAL_OPTIONS, ...command.options }, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${commandHelp(command)}\n`);
    return 64;
  }
  if (parsed.values.help === true) {
    process.stdout.write(commandHelp(command) + '\n');
    return 0;
  }
  if (typeof parsed.values.db === 'string') process.env.TOLLBRIDGE_DB = parsed.values.db;
  // A mistyped name would otherwise be ignored without a word (the file's typos stop the start instead).
  for (const unknown of unknownEnvironmentNames(process.env)) process.stderr.write(`tollbridge: warning: ${unknownNameWarning(unknown)}\n`);
  const json = parsed.values.json === true;
  const io: CommandIO = {
    json,
    // Human text may carry stored strings: no control character reaches the terminal raw.
    result: (document, human) => process.stdout.write((json ? JSON.stringify(document, null, 2) : safeForTerminal(human)) + '\n'),
    stderr: (text) => process.stderr.write(safeForTerminal(text) + '\n'),
  };
  try {
    const args = { positionals: parsed.positionals, values: parsed.values };
    const code = (await command.run(args, io)) ?? 0;
    if (code === 0 && changesState(command)) await recordCliAction(command, args);
    return code;
  } catch (err) {
    return reportError(err, command, json);
  }
}

const BUSY_MESSAGE = 'the database is busy: another tollbridge command or the bridge kept it locked too long (TOLLBRIDGE_SQLITE_BUSY_MS); nothing was changed, try again';

function reportError(err: unknown, command: Command, json: boolean): number {
  // SQLite's own "database is locked" (with the SQL text) never reaches the user: a domain error does.
  const e = isSqliteBusy(err) ? new DatabaseBusy(BUSY_MESSAGE) : err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  if (e instanceof UsageError) {
    process.stderr.write(`${e.message}\n\nUsage: tollbridge ${command.usage}\n`);
    return 64;
  }
  if (json) process.stderr.write(JSON.stringify({ error: { code: typeof code === 'string' ? code : e.name, message: e.message } }) + '\n');
  else process.stderr.write(`tollbridge: ${safeForTerminal(e.message)}\n`);
  if (e instanceof ConfigError) return 78; // EX_CONFIG
  if (e instanceof ServiceUnavailableError) return 69; // EX_UNAVAILABLE: the database, Asterisk or ARI
  if (e instanceof SystemNameTaken) return SYSTEM_NAME_TAKEN_EXIT; // EX_TEMPFAIL: another live process runs this systemname
  return typeof code === 'string' ? 2 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tollbridge: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
