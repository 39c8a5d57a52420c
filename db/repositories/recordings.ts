// Conference recordings (migration 012): one row per recording a moderator or the owner
// started, with the file's name in TOLLBRIDGE_RECORDINGS_DIR, start, end, who started and
// stopped it and who was present (channel ids; their caller numbers and roles come from the
// ledger, so caller-number retention applies to them too). Rows go with their files when the
// operator's recording retention passes (app/accounts/recording-retention.ts).
import type { RepositoryContext } from '../types.js';

export interface ConferenceRecording {
  id: number;
  roomId: number;
  accountId: number;
  file: string;
  startedAt: number;
  /** Null while it records (or when the app stopped before it could end it). */
  endedAt: number | null;
  startedBy: string;
  stoppedBy: string | null;
  sizeBytes: number | null;
  /** Who was in the conference while it recorded: their leg's caller number and role. */
  present: Array<{ channelId: string; callerNumber: string | null; role: string | null }>;
}

/** A recording row without an end (RecordingsRepository.unfinished). */
export interface UnfinishedRecording {
  id: number;
  roomNumber: string;
  file: string;
  startedAt: number;
  /** Channel ids present so far. */
  present: string[];
}

interface RecordingRow {
  id: number;
  room_id: number;
  account_id: number;
  file: string;
  started_at: number | string;
  ended_at: number | string | null;
  started_by: string;
  stopped_by: string | null;
  present: string;
  size_bytes: number | string | null;
}

const TABLE = 'conference_recordings';

function channelIdsOf(row: RecordingRow): string[] {
  const parsed: unknown = JSON.parse(row.present);
  return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
}

export class RecordingsRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async create(recording: { roomId: number; accountId: number; file: string; startedAt: number; startedBy: string; present: string[] }): Promise<number> {
    const [row] = await this.ctx.knex(TABLE)
      .insert({
        room_id: recording.roomId,
        account_id: recording.accountId,
        file: recording.file,
        started_at: recording.startedAt,
        started_by: recording.startedBy.slice(0, 100),
        present: JSON.stringify(recording.present),
      })
      .returning<Array<{ id: number }>>('id');
    return Number(row?.id);
  }

  async finish(id: number, end: { endedAt: number; stoppedBy: string; present: string[]; sizeBytes: number | null }): Promise<void> {
    await this.ctx.knex(TABLE).where({ id }).update({ ended_at: end.endedAt, stopped_by: end.stoppedBy.slice(0, 100), present: JSON.stringify(end.present), size_bytes: end.sizeBytes });
  }

  /**
   * Recordings without an end, with their room's number: a restarted bridge resumes those still
   * running in its Asterisk and finishes those that ended while it was away.
   */
  async unfinished(): Promise<UnfinishedRecording[]> {
    const rows = await this.ctx.knex<RecordingRow>(`${TABLE} as r`)
      .join('rooms as m', 'm.id', 'r.room_id')
      .whereNull('r.ended_at')
      .orderBy('r.id')
      .select<Array<RecordingRow & { room_number: string }>>('r.*', 'm.number as room_number');
    return rows.map((r) => ({ id: Number(r.id), roomNumber: r.room_number, file: r.file, startedAt: Number(r.started_at), present: channelIdsOf(r) }));
  }

  /** The account's recordings, newest first, paged by id. */
  async listForAccount(accountId: number, page: { limit: number; before?: number }): Promise<ConferenceRecording[]> {
    const query = this.ctx.knex<RecordingRow>(TABLE).where({ account_id: accountId }).orderBy('id', 'desc').limit(page.limit);
    if (page.before !== undefined) void query.where('id', '<', page.before);
    return this.withPresent(await query);
  }

  async get(accountId: number, id: number): Promise<ConferenceRecording | null> {
    const row = await this.ctx.knex<RecordingRow>(TABLE).where({ account_id: accountId, id }).first();
    return row === undefined ? null : ((await this.withPresent([row]))[0] ?? null);
  }

  /** Recordings started before `cutoff` (epoch ms), oldest first: the retention's work. */
  async startedBefore(cutoff: number, limit = 500): Promise<Array<{ id: number; file: string }>> {
    const rows = await this.ctx.knex<RecordingRow>(TABLE).where('started_at', '<', cutoff).orderBy('id').limit(limit).select('id', 'file');
    return rows.map((r) => ({ id: Number(r.id), file: r.file }));
  }

  /** Deletes every recording row of an account (its erasure); the files they named, for the caller to delete. */
  async removeForAccount(accountId: number): Promise<string[]> {
    const rows = await this.ctx.knex<RecordingRow>(TABLE).where({ account_id: accountId }).select('file');
    await this.ctx.knex(TABLE).where({ account_id: accountId }).delete();
    return rows.map((r) => r.file);
  }

  async remove(id: number): Promise<void> {
    await this.ctx.knex(TABLE).where({ id }).delete();
  }

  /** Caller numbers and roles of the channels present, one query for the whole page. */
  private async withPresent(rows: RecordingRow[]): Promise<ConferenceRecording[]> {
    const ids = [...new Set(rows.flatMap(channelIdsOf))];
    const legs = new Map<string, { callerNumber: string | null; role: string | null }>();
    for (let i = 0; i < ids.length; i += 500) {
      const found = await this.ctx.knex('usage_ledger').whereIn('channel_id', ids.slice(i, i + 500)).where({ entry_kind: 'leg' }).select<Array<{ channel_id: string; caller_number: string | null; role: string }>>('channel_id', 'caller_number', 'role');
      for (const leg of found) legs.set(leg.channel_id, { callerNumber: this.ctx.cipher.decrypt(leg.caller_number), role: leg.role === 'unauthenticated' ? null : leg.role });
    }
    return rows.map((r) => ({
      id: Number(r.id),
      roomId: Number(r.room_id),
      accountId: Number(r.account_id),
      file: r.file,
      startedAt: Number(r.started_at),
      endedAt: r.ended_at === null ? null : Number(r.ended_at),
      startedBy: r.started_by,
      stoppedBy: r.stopped_by,
      sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes),
      present: channelIdsOf(r).map((channelId) => ({ channelId, ...(legs.get(channelId) ?? { callerNumber: null, role: null }) })),
    }));
  }
}
