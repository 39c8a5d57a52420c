// Retention of caller numbers: the ledger keeps every entry (billing needs them), but the caller
// numbers of legs answered more than the operator's retention ago are erased. `tollbridge start`
// and `tollbridge api` run it at start and then daily; `tollbridge privacy retention` runs it now.
import type { Logger } from 'pino';
import type { Database } from '../../db/index.js';
import { runRecordingRetention, type RecordingRetention } from './recording-retention.js';

const DAY_MS = 86_400_000;

export interface RetentionRun {
  retentionDays: number;
  /** Legs answered before this (epoch ms) lost their caller numbers. */
  cutoff: number;
  erased: number;
}

export async function runRetention(db: Database, retentionDays: number, log: Logger, now: number = Date.now()): Promise<RetentionRun> {
  const cutoff = now - retentionDays * DAY_MS;
  const erased = await db.personalData.eraseCallerNumbersBefore(cutoff);
  log.info({ retentionDays, cutoff: new Date(cutoff).toISOString(), erased }, 'caller-number retention applied');
  return { retentionDays, cutoff, erased };
}

/**
 * Runs retention now and then every day; the returned function stops it. A failure is logged and
 * tried again the next day. With `recordings`, conference recordings past their retention go too.
 */
export function scheduleDailyRetention(db: Database, retentionDays: number, log: Logger, recordings?: RecordingRetention): () => void {
  const run = () => {
    runRetention(db, retentionDays, log).catch((err: unknown) => log.error({ err }, 'caller-number retention failed: tried again in a day'));
    if (recordings !== undefined) runRecordingRetention(db, recordings, log).catch((err: unknown) => log.error({ err }, 'recording retention failed: tried again in a day'));
  };
  run();
  const timer = setInterval(run, DAY_MS);
  timer.unref();
  return () => clearInterval(timer);
}
