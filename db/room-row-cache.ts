// The rooms the caller's path looks up (by number after the room digits, by id for the PIN),
// kept in memory while the rooms table stays as it was. Under load each lookup was a query
// queued on SQLite's thread pool behind the ledger's commits (p95 164 ms of a caller's wait
// after '#', bench/load.ts at 120 callers). Every change to the rooms table moves a counter by
// trigger (migration 008, whichever process or tool writes); the bridge polls that one row and
// drops everything it holds when it moves, so a PIN or setting changed elsewhere applies
// within one poll interval; a change made through this process applies at once.
import type { Knex } from 'knex';
import type { RoomRow } from './types.js';

/** How often the bridge asks whether the rooms table changed, by default. */
export const ROOMS_POLL_MS = 250;
/** Rooms held at most (a flood of distinct room numbers must not grow memory without end). */
const MAX_ROOMS = 50_000;

/** Runs `fn` every `ms` until the returned function is called (a timer that never keeps the process alive). */
export type Every = (ms: number, fn: () => void) => () => void;

const every: Every = (ms, fn) => {
  const timer = setInterval(fn, ms);
  timer.unref();
  return () => clearInterval(timer);
};

export class RoomRowCache {
  private readonly byNumber = new Map<string, RoomRow>();
  private readonly byId = new Map<number, RoomRow>();
  /** Moves whenever what is held is dropped: a lookup begun before that does not store its row. */
  private generation = 0;
  private version: string | null = null;
  private poller: (() => void) | null = null;
  private polling: Promise<void> | null = null;

  constructor(private readonly reader: Knex) {}

  async byRoomNumber(number: string, load: () => Promise<RoomRow | undefined>): Promise<RoomRow | undefined> {
    if (this.poller === null) return load();
    const held = this.byNumber.get(number);
    if (held !== undefined) return held;
    return this.remember(await this.loadAt(load));
  }

  async byRoomId(id: number, load: () => Promise<RoomRow | undefined>): Promise<RoomRow | undefined> {
    if (this.poller === null) return load();
    const held = this.byId.get(id);
    if (held !== undefined) return held;
    return this.remember(await this.loadAt(load));
  }

  /** Drops everything held (a change made in this process; the counter moved). */
  clear(): void {
    this.generation += 1;
    this.byNumber.clear();
    this.byId.clear();
  }

  /** Reads the counter once; a moved counter drops everything held. */
  async poll(): Promise<void> {
    const row = await this.reader('rooms_version').where({ id: 1 }).first<{ version: number | string } | undefined>('version');
    const version = row === undefined ? null : String(row.version);
    if (version !== this.version) this.clear();
    this.version = version;
  }

  /** Starts holding rooms, once the counter has been read. `onError` hears failed polls (everything is dropped then). */
  async start(onError: (err: unknown) => void, pollMs = ROOMS_POLL_MS, timer: Every = every): Promise<void> {
    if (this.poller !== null) return;
    await this.poll();
    this.poller = timer(pollMs, () => {
      if (this.polling !== null) return; // the last poll is still out
      this.polling = this.poll()
        .catch((err: unknown) => {
          // Not knowing whether the table changed: hold nothing until a poll succeeds.
          this.clear();
          this.version = null;
          onError(err);
        })
        .finally(() => (this.polling = null));
    });
  }

  async stop(): Promise<void> {
    this.poller?.();
    this.poller = null;
    this.clear();
    await this.polling;
  }

  private async loadAt(load: () => Promise<RoomRow | undefined>): Promise<{ row: RoomRow | undefined; generation: number }> {
    const generation = this.generation;
    return { row: await load(), generation };
  }

  private remember({ row, generation }: { row: RoomRow | undefined; generation: number }): RoomRow | undefined {
    if (row === undefined || generation !== this.generation || this.poller === null || this.version === null) return row;
    if (this.byId.size >= MAX_ROOMS) this.clear();
    this.byNumber.set(row.number, row);
    this.byId.set(row.id, row);
    return row;
  }
}
