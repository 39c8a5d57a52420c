// Retention of conference recordings: those started longer ago than the operator's
// TOLLBRIDGE_RECORDING_RETENTION_DAYS are deleted, file first, then their row (a row without a
// file would list a recording that cannot be downloaded). Run with the daily caller-number
// retention (app/accounts/retention.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Database } from '../../db/index.js';

const DAY_MS = 86_400_000;

export interface RecordingRetention {
  dir: string;
  days: number;
}

/** An account deleted for good: its recordings go, rows and files; how many. */
export async function eraseRecordingsOf(db: Database, dir: string | undefined, accountId: number, log: Logger): Promise<number> {
  const files = await db.recordings.removeForAccount(accountId);
  if (dir !== undefined) for (const file of files) fs.rmSync(path.join(dir, path.basename(file)), { force: true });
  else if (files.length > 0) log.warn({ accountId, files: files.length }, 'recording rows deleted; their files are not reachable here (TOLLBRIDGE_RECORDINGS_DIR)');
  return files.length;
}

export async function runRecordingRetention(db: Database, retention: RecordingRetention, log: Logger, now: number = Date.now()): Promise<number> {
  const cutoff = now - retention.days * DAY_MS;
  let deleted = 0;
  for (;;) {
    const batch = await db.recordings.startedBefore(cutoff);
    if (batch.length === 0) break;
    for (const recording of batch) {
      fs.rmSync(path.join(retention.dir, path.basename(recording.file)), { force: true });
      await db.recordings.remove(recording.id);
      deleted++;
    }
  }
  log.info({ retentionDays: retention.days, cutoff: new Date(cutoff).toISOString(), deleted }, 'conference recording retention applied');
  return deleted;
}
