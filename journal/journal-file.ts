// An append-only, fsync'd journal on local disk: one JSON record per line, each line carrying
// its own checksum so a line torn by a crash (power cut mid-write) is recognised and ignored.
//
//   <crc32 of payload, 8 hex> <payload JSON: {"seq":N,...record}>\n
//
// Records live in numbered segment files (0000000001.jsonl, ...). Appends go to the newest
// segment, which is never one left by an earlier process (its last line may be torn; appending
// after it would glue two records together). Records that arrive while an fsync is running are
// written and synced together with the next one: group commit, one fdatasync per group.
// Segments whose records have all been applied are deleted (compaction).
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { makePrivateDirAsync, PRIVATE_FILE_MODE, tightenFile } from '../config/private-files.js';

export interface JournalEntry<T> {
  seq: number;
  record: T;
}

export interface JournalReadReport {
  /** Lines that were not whole or did not match their checksum (a torn last line, typically). */
  skippedLines: number;
  segments: number;
}

interface Segment {
  file: string;
  /** Highest seq written into it (0 when empty). */
  maxSeq: number;
}

interface Pending {
  line: string;
  seq: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

const SEGMENT = /^(\d{10})\.jsonl$/;
/** Once everything in it is applied, a segment this large is closed and a new one begun. */
export const DEFAULT_ROLL_BYTES = 1 << 20;

export function encodeLine(seq: number, record: unknown): string {
  const payload = JSON.stringify({ seq, record });
  return `${crc32(payload).toString(16).padStart(8, '0')} ${payload}\n`;
}

/** A whole, intact line's entry, or null for a torn or damaged one. */
export function decodeLine<T>(line: string): JournalEntry<T> | null {
  const space = line.indexOf(' ');
  if (space !== 8) return null;
  const payload = line.slice(9);
  if (crc32(payload).toString(16).padStart(8, '0') !== line.slice(0, 8)) return null;
  try {
    const parsed = JSON.parse(payload) as { seq?: unknown; record?: unknown };
    if (typeof parsed.seq !== 'number' || !Number.isSafeInteger(parsed.seq) || parsed.record === undefined) return null;
    return { seq: parsed.seq, record: parsed.record as T };
  } catch {
    return null;
  }
}

/**
 * Moves the segments of a journal folder that older versions shared between all processes
 * (`from`) into this process's own (`to`), so records left there are applied on this start.
 * Only into a folder without segments of its own (two journals' sequence numbers must not
 * mix); returns how many moved.
 */
export async function adoptSegments(from: string, to: string): Promise<number> {
  let names: string[];
  try {
    names = (await fs.promises.readdir(from)).filter((n) => SEGMENT.test(n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  if (names.length === 0) return 0;
  await fs.promises.mkdir(to, { recursive: true });
  if ((await fs.promises.readdir(to)).some((n) => SEGMENT.test(n))) return 0;
  for (const name of names) await fs.promises.rename(path.join(from, name), path.join(to, name));
  await fsyncDir(to);
  await fsyncDir(from);
  return names.length;
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class JournalFile<T> {
  private segments: Segment[] = [];
  private current: { segment: Segment; handle: fs.promises.FileHandle; bytes: number } | undefined;
  private nextSeq = 1;
  private appliedSeq = 0;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private closed = false;
  /** fdatasync calls made and records they covered (figures for the bench and the report). */
  readonly stats = { syncs: 0, records: 0 };

  private constructor(
    readonly dir: string,
    private readonly rollBytes: number,
    /** false: written to the OS but not fdatasync'd (survives an application crash, not a power cut). */
    private readonly sync: boolean,
  ) {}

  /**
   * Opens the journal in `dir` (created if missing) and reads back every intact record left
   * there, oldest first; appends then go to a fresh segment.
   */
  static async open<T>(dir: string, options: { rollBytes?: number; sync?: boolean } = {}): Promise<{ journal: JournalFile<T>; entries: Array<JournalEntry<T>>; report: JournalReadReport }> {
    // Records carry callers' numbers (encrypted) and billing: the directory is 0700, segments 0600.
    await makePrivateDirAsync(dir);
    const journal = new JournalFile<T>(dir, options.rollBytes ?? DEFAULT_ROLL_BYTES, options.sync ?? true);
    const names = (await fs.promises.readdir(dir)).filter((n) => SEGMENT.test(n)).sort();
    const entries: Array<JournalEntry<T>> = [];
    let skippedLines = 0;
    for (const name of names) {
      tightenFile(path.join(dir, name));
      const text = await fs.promises.readFile(path.join(dir, name), 'utf8');
      const lines = text.split('\n');
      // The text after the last newline is a line whose newline never made it to disk.
      const tail = lines.pop() ?? '';
      if (tail !== '') skippedLines++;
      let maxSeq = 0;
      for (const line of lines) {
        const entry = decodeLine<T>(line);
        if (entry === null) {
          skippedLines++;
          continue;
        }
        entries.push(entry);
        maxSeq = Math.max(maxSeq, entry.seq);
      }
      journal.segments.push({ file: path.join(dir, name), maxSeq });
    }
    entries.sort((a, b) => a.seq - b.seq);
    journal.nextSeq = (entries.at(-1)?.seq ?? 0) + 1;
    const lastNumber = names.length === 0 ? 0 : Number(SEGMENT.exec(names.at(-1) as string)?.[1]);
    await journal.startSegment(lastNumber + 1);
    return { journal, entries, report: { skippedLines, segments: names.length } };
  }

  /** Appends one record; resolves with its seq once it is on disk (fdatasync'd). */
  append(record: T): Promise<number> {
    if (this.closed) return Promise.reject(new Error('the ledger journal is closed: the record was not written'));
    const seq = this.nextSeq++;
    const line = encodeLine(seq, record);
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ line, seq, resolve: () => resolve(seq), reject });
      this.flushing ??= this.flush();
    });
  }

  /** Everything up to `seq` is in the database: segments holding only such records can go. */
  async applied(seq: number): Promise<void> {
    this.appliedSeq = Math.max(this.appliedSeq, seq);
    const current = this.current;
    if (current !== undefined && current.bytes >= this.rollBytes && current.segment.maxSeq <= this.appliedSeq && this.queue.length === 0 && this.flushing === undefined) {
      await this.startSegment(this.segmentNumber(current.segment) + 1);
    }
    const gone = this.segments.filter((s) => s !== this.current?.segment && s.maxSeq <= this.appliedSeq);
    if (gone.length === 0) return;
    this.segments = this.segments.filter((s) => !gone.includes(s));
    for (const s of gone) await fs.promises.rm(s.file, { force: true });
    await fsyncDir(this.dir);
  }

  /** Segment files on disk now (for tests and the operator). */
  segmentFiles(): string[] {
    return this.segments.map((s) => s.file);
  }

  /** Waits for writes already accepted, then closes the file; later appends are refused. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing !== undefined) await this.flushing;
    await this.current?.handle.close();
    this.current = undefined;
  }

  private segmentNumber(segment: Segment): number {
    return Number(SEGMENT.exec(path.basename(segment.file))?.[1] ?? 0);
  }

  private async startSegment(number: number): Promise<void> {
    const file = path.join(this.dir, `${String(number).padStart(10, '0')}.jsonl`);
    const handle = await fs.promises.open(file, 'a', PRIVATE_FILE_MODE);
    // The new file's name must itself survive a crash.
    await fsyncDir(this.dir);
    const old = this.current;
    const segment: Segment = { file, maxSeq: 0 };
    this.segments.push(segment);
    this.current = { segment, handle, bytes: 0 };
    await old?.handle.close();
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue;
        this.queue = [];
        const current = this.current;
        try {
          if (current === undefined) throw new Error('the ledger journal is closed');
          const text = group.map((p) => p.line).join('');
          await current.handle.write(text);
          if (this.sync) await current.handle.datasync();
          current.bytes += Buffer.byteLength(text);
          current.segment.maxSeq = Math.max(current.segment.maxSeq, group.at(-1)?.seq ?? 0);
          this.stats.syncs++;
          this.stats.records += group.length;
        } catch (err) {
          const error = err instanceof Error ? err : new Error(String(err));
          for (const p of group) p.reject(error);
          // Part of the group may be on disk: later lines must not be glued to a partial one.
          if (current !== undefined && !this.closed) await this.startSegment(this.segmentNumber(current.segment) + 1).catch(() => undefined);
          continue;
        }
        for (const p of group) p.resolve();
      }
    } finally {
      this.flushing = undefined;
    }
  }
}
