// Retention of conference recordings: those started longer ago than the operator's
// TOLLBRIDGE_RECORDING_RETENTION_DAYS are deleted, file first, then their row (a row without a
// file would list a recording that cannot be downloaded). Run with the daily caller-number
// retention (app/retention.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Database } from '../db/index.js';

const DAY_MS = 86_400_000;

export interface RecordingRetention {
  dir: string;
  days: number;
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
