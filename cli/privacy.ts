// tollbridge accounts export | accounts delete | privacy retention
import pino from 'pino';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../config/logger.js';
import { runRetention } from '../app/accounts/retention.js';
import { eraseRecordingsOf } from '../app/accounts/recording-retention.js';
import { UsageError, type Command } from './command.js';
import { ACCOUNT_HELP, accountArg, flag, integerOption, resolveAccountId, when, withDatabase } from './open-db.js';

export const privacyCommands: Command[] = [
  {
    path: ['accounts', 'export'],
    summary: 'everything about an account as one JSON document (account, room, subscriptions, ledger legs, recordings)',
    usage: 'accounts export ACCOUNT',
    optionHelp: [ACCOUNT_HELP],
    options: {},
    async run(args, io) {
      const ref = accountArg(args);
      const doc = await withDatabase(async (db) => db.personalData.exportAccount(await resolveAccountId(db, ref)));
      io.result(doc, JSON.stringify(doc, null, 2));
    },
  },
  {
    path: ['accounts', 'delete'],
    summary: 'delete an account for good: name and e-mail erased, caller numbers of its legs erased, legs kept for billing, room number never reissued',
    usage: 'accounts delete ACCOUNT --yes',
    optionHelp: [ACCOUNT_HELP, '--yes  required: there is no undo'],
    options: { yes: { type: 'boolean' } },
    async run(args, io) {
      const ref = accountArg(args);
      if (!flag(args, 'yes')) throw new UsageError('deleting an account is for good: add --yes');
      const config = loadConfig();
      const account = await withDatabase(async (db) => {
        const erased = await db.personalData.eraseAccount(await resolveAccountId(db, ref));
        await eraseRecordingsOf(db, config.recordingsDir, erased.id, createLogger(config.logLevel, pino.destination(2)));
        return erased;
      });
      io.result(account, `account ${account.id} deleted for good at ${when(account.erasedAt)}; its room number stays retired; its legs stay billable without caller numbers; its conference recordings are deleted`);
    },
  },
  {
    path: ['privacy', 'retention'],
    summary: 'erase caller numbers of ledger legs older than the retention now (the running bridge does it daily)',
    usage: 'privacy retention [--days N]',
    optionHelp: ['--days N  keep caller numbers N days (default TOLLBRIDGE_CALLER_RETENTION_DAYS, 730)'],
    options: { days: { type: 'string' } },
    async run(args, io) {
      const config = loadConfig();
      const days = integerOption(args, 'days', 'a whole number of days, e.g. --days 365') ?? config.callerRetentionDays;
      if (days < 1) throw new UsageError('--days must be at least 1');
      const log = createLogger(config.logLevel, pino.destination(2));
      const run = await withDatabase((db) => runRetention(db, days, log));
      io.result(run, `caller numbers erased from ${run.erased} legs answered before ${when(run.cutoff)} (retention ${days} days)`);
    },
  },
];
