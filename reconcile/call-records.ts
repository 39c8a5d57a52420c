// When did Asterisk say a channel ended? For legs whose hang-up the app missed (it was down,
// or its websocket was): closed at Asterisk's own time, not at the moment somebody noticed.
// Shape: `CallRecords` in flows/ports.ts (declared by the restart work); matched structurally.
import type { AmiSession, AmiEvent } from '../bridge/ami-session.js';
import { CallRecordBook, CelLogFile, parseCelTime } from './cel-log.js';

/** Ends seen over AMI kept at most (oldest forgotten first): a day of a busy bridge. */
const AMI_MEMORY = 200_000;

/**
 * How long the CEL file's records stay in memory after the last lookup. A resync asks for many
 * channels at once; after it they are not needed until the next resync (a restart or a
 * reconnect), and the file holds every channel Asterisk ever had: kept, a bridge that once
 * resynced held them all (about 300 bytes each) for the rest of its life.
 */
export const CEL_FILE_KEEP_MS = 60_000;

/** From the instance's cel_custom file (a managed Asterisk, or one whose log dir is mounted). */
export class CelFileCallRecords {
  private log: CelLogFile | null = null;
  private dropTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly keepMs = CEL_FILE_KEEP_MS,
  ) {}

  async endOf(channelId: string): Promise<number | null> {
    this.log ??= new CelLogFile(this.file);
    const log = this.log;
    clearTimeout(this.dropTimer);
    this.dropTimer = setTimeout(() => {
      if (this.log === log) this.log = null;
    }, this.keepMs);
    this.dropTimer.unref();
    const book = await log.refresh();
    return book.get(channelId)?.endedAt ?? null;
  }

  /** Whether the file's records are in memory now (for tests and diagnostics). */
  get loaded(): boolean {
    return this.log !== null;
  }
}

/**
 * How long an end heard while the app also heard the channel over ARI is kept. The app closes
 * such a leg at ARI's StasisEnd and never asks; only a websocket lost just before that
 * StasisEnd needs it, and the resync after the gap asks at once. (Before, every channel was kept
 * up to AMI_MEMORY: about 400 bytes a call that never came back.)
 */
export const ENDS_HEARD_OVER_ARI_KEEP_MS = 10_000;

export interface AmiCallRecordsOptions {
  /** Whether the app hears ARI now (its websocket is up): ends heard meanwhile are kept only briefly. Absent: every end is kept (up to AMI_MEMORY). */
  hearsAri?: () => boolean;
  now?: () => number;
}

/** From CEL events over AMI (cel_manager), heard while this process was connected. */
export class AmiCallRecords {
  private readonly book = new CallRecordBook();
  /** Channels in the book, oldest first (the cap forgets the oldest). */
  private readonly order = new Set<string>();
  /** Ends heard while ARI was up, in the order heard: forgotten after ENDS_HEARD_OVER_ARI_KEEP_MS. */
  private readonly endedWhileHeard = new Map<string, number>();

  constructor(
    ami: Pick<AmiSession, 'onEvent'>,
    private readonly options: AmiCallRecordsOptions = {},
  ) {
    ami.onEvent('CEL', (event) => this.heard(event));
  }

  heard(event: AmiEvent): void {
    const channelId = event.uniqueid;
    // cel_manager's EventTime is whole seconds in local time; the AMI Timestamp header has µs.
    const at = parseCelTime(event.eventtime) ?? parseCelTime(event.timestamp);
    if (typeof channelId !== 'string' || at === null || typeof event.eventname !== 'string') return;
    const now = (this.options.now ?? Date.now)();
    this.forgetEndedBefore(now - ENDS_HEARD_OVER_ARI_KEEP_MS);
    if (!this.order.has(channelId)) {
      this.order.add(channelId);
      for (const old of this.order) {
        if (this.order.size <= AMI_MEMORY) break;
        this.forget(old);
      }
    }
    this.book.add({ type: event.eventname, at, channelId, channelName: String(event.channel ?? ''), exten: String(event.exten ?? '') });
    if (event.eventname === 'HANGUP' && this.options.hearsAri?.() === true && !this.endedWhileHeard.has(channelId)) this.endedWhileHeard.set(channelId, now);
  }

  private forgetEndedBefore(at: number): void {
    for (const [channelId, heardAt] of this.endedWhileHeard) {
      if (heardAt >= at) return;
      this.forget(channelId);
    }
  }

  private forget(channelId: string): void {
    this.order.delete(channelId);
    this.endedWhileHeard.delete(channelId);
    this.book.delete(channelId);
  }

  /** Channels whose record is kept (for tests and diagnostics). */
  get size(): number {
    return this.order.size;
  }

  async endOf(channelId: string): Promise<number | null> {
    return this.book.get(channelId)?.endedAt ?? null;
  }
}

/** Asks each source in turn; the first that knows the channel's end answers. */
export class AsteriskCallRecords {
  constructor(private readonly sources: Array<{ endOf(channelId: string): Promise<number | null> }>) {}

  async endOf(channelId: string): Promise<number | null> {
    for (const source of this.sources) {
      const end = await source.endOf(channelId);
      if (end !== null) return Math.round(end);
    }
    return null;
  }
}
