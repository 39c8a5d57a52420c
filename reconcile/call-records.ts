// When did Asterisk say a channel ended? For legs whose hang-up the app missed (it was down,
// or its websocket was): closed at Asterisk's own time, not at the moment somebody noticed.
// Shape: `CallRecords` in flows/ports.ts (declared by the restart work); matched structurally.
import type { AmiSession, AmiEvent } from '../bridge/ami-session.js';
import { CallRecordBook, CelLogFile, parseCelTime } from './cel-log.js';

/** Ends seen over AMI kept at most (oldest forgotten first): a day of a busy bridge. */
const AMI_MEMORY = 200_000;

/** From the instance's cel_custom file (a managed Asterisk, or one whose log dir is mounted). */
export class CelFileCallRecords {
  private readonly log: CelLogFile;

  constructor(file: string) {
    this.log = new CelLogFile(file);
  }

  async endOf(channelId: string): Promise<number | null> {
    const book = await this.log.refresh();
    return book.get(channelId)?.endedAt ?? null;
  }
}

/** From CEL events over AMI (cel_manager), heard while this process was connected. */
export class AmiCallRecords {
  private readonly book = new CallRecordBook();
  private readonly seen: string[] = [];

  constructor(ami: AmiSession) {
    ami.onEvent('CEL', (event) => this.heard(event));
  }

  heard(event: AmiEvent): void {
    const channelId = event.uniqueid;
    // cel_manager's EventTime is whole seconds in local time; the AMI Timestamp header has µs.
    const at = parseCelTime(event.eventtime) ?? parseCelTime(event.timestamp);
    if (typeof channelId !== 'string' || at === null || typeof event.eventname !== 'string') return;
    if (this.book.get(channelId) === undefined) {
      this.seen.push(channelId);
      if (this.seen.length > AMI_MEMORY) for (const old of this.seen.splice(0, this.seen.length - AMI_MEMORY)) this.book.delete(old);
    }
    this.book.add({ type: event.eventname, at, channelId, channelName: String(event.channel ?? ''), exten: String(event.exten ?? '') });
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
