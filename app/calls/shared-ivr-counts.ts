// The IVR caps across bridge processes (flows/unauthenticated-calls.ts): each process counts
// its own calls in memory, as the admission check needs them at once, and publishes them to
// the database (ivr_counts, db/repositories/ivr-counts.ts) under its systemname a moment after
// they change; in the background it reads what the others published and adds that to its own
// at each check. No database round trip is on a call's path.
// Approximate by up to one refresh: a call another process took in the last PUBLISH_MS +
// REFRESH_MS (under a second) is not seen yet, so processes admitting a burst at the same moment
// may together pass a cap by the calls of that moment. A process that died stops counting once
// its rows are STALE_MS old; while this process cannot read the database for STALE_MS, it counts
// its own calls only (as one process alone would) rather than refuse everyone.
import type { Logger } from 'pino';
import type { IvrCount, IvrCountScope } from '../../db/index.js';
import type { IvrCountsRepository } from '../../db/repositories/ivr-counts.js';
import type { IvrCounts, IvrCountsElsewhere } from '../../flows/ports.js';

/** Least time between two publications of this process's changed counts. */
export const PUBLISH_MS = 250;
/** How often the other processes' counts are read. */
export const REFRESH_MS = 500;
/** How often this process's rows are stamped again while it has any (so they stay counted). */
export const HEARTBEAT_MS = 1_000;
/** Rows older than this are a dead process's: not counted. Also how long a read counts without a newer one. */
export const STALE_MS = 5_000;
/** Rows of processes gone for this long are deleted (by whichever process reads). */
const PRUNE_AFTER_MS = 10 * 60_000;
const PRUNE_EVERY_MS = 60_000;

/** What this needs of the database (db.ivrCounts). */
export type IvrCountsStore = Pick<IvrCountsRepository, 'publish' | 'withdraw' | 'others' | 'prune' | 'subjectOf'>;

export interface SharedIvrCountsOptions {
  publishMs?: number;
  refreshMs?: number;
  heartbeatMs?: number;
  staleMs?: number;
  now?: () => number;
}

interface Others {
  numbers: Map<string, number>;
  /** By the stored subject of the caller (a keyed hash). */
  callers: Map<string, number>;
  failing: Map<string, number>;
  readAt: number;
}

const NONE_READ: Others = { numbers: new Map(), callers: new Map(), failing: new Map(), readAt: Number.NEGATIVE_INFINITY };

const keyOf = (scope: IvrCountScope, subject: string) => `${scope}\u0000${subject}`;

/** Every count of `mine`, keyed by scope and subject. */
function countsOf(mine: IvrCounts | null): Map<string, IvrCount> {
  const all = new Map<string, IvrCount>();
  if (mine === null) return all;
  const add = (scope: IvrCountScope, counts: ReadonlyMap<string, number>) => {
    for (const [subject, count] of counts) all.set(keyOf(scope, subject), { scope, subject, count });
  };
  add('number', mine.perNumber);
  add('caller', mine.perCaller);
  add('failing', mine.failingPerNumber);
  return all;
}

export class SharedIvrCounts implements IvrCountsElsewhere {
  private others: Others = NONE_READ;
  private mine: IvrCounts | null = null;
  /** What the database holds of this process's counts, as last written. */
  private published = new Map<string, IvrCount>();
  private lastPublishAt = Number.NEGATIVE_INFINITY;
  private lastPruneAt = Number.NEGATIVE_INFINITY;
  private publishTimer: NodeJS.Timeout | null = null;
  private readonly timers: NodeJS.Timeout[] = [];
  private writing: Promise<void> = Promise.resolve();
  private reading: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Whether the last write / read failed (logged once per run of failures). */
  private writeFailing = false;
  private readFailing = false;
  private readonly now: () => number;
  private readonly publishMs: number;
  private readonly staleMs: number;

  private constructor(
    private readonly repo: IvrCountsStore,
    readonly systemName: string,
    private readonly log: Logger,
    options: SharedIvrCountsOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.publishMs = options.publishMs ?? PUBLISH_MS;
    this.staleMs = options.staleMs ?? STALE_MS;
  }

  /**
   * Starts publishing and reading for `systemName`: rows a previous process of this systemname
   * left behind are withdrawn first (it died, or handed over), then the others' counts are read once.
   */
  static async start(repo: IvrCountsStore, systemName: string, log: Logger, options: SharedIvrCountsOptions = {}): Promise<SharedIvrCounts> {
    const shared = new SharedIvrCounts(repo, systemName, log, options);
    await repo.withdraw(systemName);
    await shared.refresh();
    const every = (ms: number, run: () => void) => {
      const timer = setInterval(run, ms);
      timer.unref();
      shared.timers.push(timer);
    };
    every(options.refreshMs ?? REFRESH_MS, () => void shared.refresh());
    every(options.heartbeatMs ?? HEARTBEAT_MS, () => {
      if (shared.published.size > 0 || shared.writeFailing) void shared.publish();
    });
    return shared;
  }

  onNumber(dialled: string): number {
    return this.current()?.numbers.get(dialled) ?? 0;
  }

  fromCaller(callerNumber: string | null): number {
    const others = this.current();
    // Hashing the number costs a few microseconds: only when another process has a caller at all.
    if (others === null || others.callers.size === 0) return 0;
    return others.callers.get(this.repo.subjectOf('caller', callerNumber)) ?? 0;
  }

  failingOn(dialled: string): number {
    return this.current()?.failing.get(dialled) ?? 0;
  }

  changed(mine: IvrCounts): void {
    this.mine = mine;
    if (this.publishTimer !== null || this.stopped) return;
    this.publishTimer = setTimeout(() => {
      this.publishTimer = null;
      void this.publish();
    }, Math.max(0, this.lastPublishAt + this.publishMs - this.now()));
    this.publishTimer.unref();
  }

  /** Stops publishing and reading, and withdraws this process's rows (a clean stop). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    if (this.publishTimer !== null) clearTimeout(this.publishTimer);
    await this.reading;
    await this.writing;
    try {
      await this.repo.withdraw(this.systemName);
    } catch (err) {
      this.log.warn({ err, systemName: this.systemName }, 'IVR counts not withdrawn: the other processes stop counting them after a few seconds');
    }
  }

  /** The others' counts, unless the last read is too old to trust. */
  private current(): Others | null {
    return this.now() - this.others.readAt > this.staleMs ? null : this.others;
  }

  /** Writes what changed since the last publication and stamps every row of this process; one at a time. */
  private publish(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (this.stopped) return;
      const now = this.now();
      this.lastPublishAt = now;
      const current = countsOf(this.mine);
      const changes: IvrCount[] = [];
      for (const [key, count] of current) if (this.published.get(key)?.count !== count.count) changes.push(count);
      for (const [key, count] of this.published) if (!current.has(key)) changes.push({ ...count, count: 0 });
      try {
        await this.repo.publish(this.systemName, changes, now);
        this.published = current;
        if (this.writeFailing) this.log.info({ systemName: this.systemName }, 'IVR counts published again');
        this.writeFailing = false;
      } catch (err) {
        if (!this.writeFailing) this.log.warn({ err, systemName: this.systemName }, 'IVR counts not published: database error, trying again');
        this.writeFailing = true;
      }
    });
    return this.writing;
  }

  private refresh(): Promise<void> {
    this.reading = this.reading.then(async () => {
      if (this.stopped) return;
      const now = this.now();
      try {
        const rows = await this.repo.others(this.systemName, now - this.staleMs);
        const read: Others = { numbers: new Map(), callers: new Map(), failing: new Map(), readAt: now };
        const into = { number: read.numbers, caller: read.callers, failing: read.failing };
        for (const row of rows) into[row.scope].set(row.subject, row.count);
        this.others = read;
        if (this.readFailing) this.log.info({ systemName: this.systemName }, 'other processes\' IVR counts read again');
        this.readFailing = false;
        if (now - this.lastPruneAt >= PRUNE_EVERY_MS) {
          this.lastPruneAt = now;
          await this.repo.prune(now - PRUNE_AFTER_MS);
        }
      } catch (err) {
        if (!this.readFailing) this.log.warn({ err, systemName: this.systemName }, 'other processes\' IVR counts not read: database error, trying again (their calls are not counted after a few seconds)');
        this.readFailing = true;
      }
    });
    return this.reading;
  }
}
