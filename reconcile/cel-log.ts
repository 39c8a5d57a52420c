// Asterisk's own record of its channels, from CEL (Channel Event Logging): the JSON lines
// cel_custom writes (sip-config/cel_custom.conf) and the same events over AMI. Per channel:
// when it was created, answered (ANSWER) and hung up (HANGUP), by Asterisk's clock.
import fs from 'node:fs';

/** The CEL events tollbridge asks Asterisk for (sip-config/cel.conf). */
export type CelEventType = 'CHAN_START' | 'ANSWER' | 'HANGUP' | 'CHAN_END';

export interface CelEvent {
  type: string;
  /** Epoch ms, sub-millisecond precision kept. */
  at: number;
  channelId: string;
  channelName: string;
  /** The number dialled (the dialplan extension the channel entered on). */
  exten: string;
}

export interface AsteriskCallRecord {
  channelId: string;
  channelName: string;
  exten: string;
  createdAt: number | null;
  answeredAt: number | null;
  endedAt: number | null;
}

/**
 * CEL's event time: `<epoch s>.<µs>` (cel.conf without dateformat, as configured here) to
 * epoch ms; null for anything else.
 */
export function parseCelTime(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw * 1000 : null;
  if (typeof raw !== 'string') return null;
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(raw.trim());
  if (m === null) return null;
  const micros = Number((m[2] ?? '').padEnd(6, '0'));
  return Number(m[1]) * 1000 + micros / 1000;
}

/** One line of cel_custom's JSON output, or null when it is not a whole CEL event. */
export function parseCelLine(line: string): CelEvent | null {
  if (line.trim() === '') return null;
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  const at = parseCelTime(obj.eventtime);
  const channelId = obj.uniqueid;
  if (at === null || typeof channelId !== 'string' || typeof obj.eventtype !== 'string') return null;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return { type: obj.eventtype, at, channelId, channelName: str(obj.channame), exten: str(obj.exten) };
}

/** Folds events into one record per channel (first ANSWER, first HANGUP). */
export class CallRecordBook {
  private readonly records = new Map<string, AsteriskCallRecord>();

  add(event: CelEvent): void {
    let r = this.records.get(event.channelId);
    if (r === undefined) {
      r = { channelId: event.channelId, channelName: event.channelName, exten: event.exten, createdAt: null, answeredAt: null, endedAt: null };
      this.records.set(event.channelId, r);
    }
    if (r.exten === '' && event.exten !== '') r.exten = event.exten;
    if (event.type === 'CHAN_START') r.createdAt ??= event.at;
    else if (event.type === 'ANSWER') r.answeredAt ??= event.at;
    else if (event.type === 'HANGUP') r.endedAt ??= event.at;
  }

  delete(channelId: string): void {
    this.records.delete(channelId);
  }

  get(channelId: string): AsteriskCallRecord | undefined {
    return this.records.get(channelId);
  }

  all(): AsteriskCallRecord[] {
    return [...this.records.values()];
  }
}

/**
 * Reads a cel_custom JSON file, following it as it grows: each call reads only what was
 * appended since the last one. A line still being written is left for the next read.
 */
export class CelLogFile {
  readonly book = new CallRecordBook();
  private offset = 0;
  private carry = '';
  /** Lines that were not CEL events (damaged, or from another format). */
  skipped = 0;

  constructor(readonly file: string) {}

  /** Reads what is new; a missing file reads as empty (no call has ended yet). */
  async refresh(): Promise<CallRecordBook> {
    let handle: fs.promises.FileHandle;
    try {
      handle = await fs.promises.open(this.file, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.book;
      throw err;
    }
    try {
      const { size } = await handle.stat();
      if (size < this.offset) {
        // Rotated or truncated: start over on the new file.
        this.offset = 0;
        this.carry = '';
      }
      const chunk = Buffer.alloc(1 << 20);
      while (this.offset < size) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        const lines = (this.carry + chunk.subarray(0, bytesRead).toString('utf8')).split('\n');
        this.carry = lines.pop() ?? '';
        for (const line of lines) {
          const event = parseCelLine(line);
          if (event === null) {
            if (line.trim() !== '') this.skipped++;
            continue;
          }
          this.book.add(event);
        }
      }
    } finally {
      await handle.close();
    }
    return this.book;
  }
}
