// Holds ARI events back while the app resynchronises with Asterisk, then lets them through in
// the order they came: a hang-up heard during a resync reaches the call the resync rebuilt.
// Never for ever: held past `limitMs` (a resync that hangs on a request), the events are let
// through with an error logged, and the gate stays open until held again.
import type { Logger } from 'pino';
import type { CallEvent } from '../../domain/call-events.js';

/** Far longer than a resync takes (milliseconds; ARI requests are bounded to 15 s). */
export const GATE_LIMIT_MS = 30_000;

export interface EventGateOptions {
  limitMs?: number;
  log?: Logger;
}

export class EventGate {
  private held: CallEvent[] | null = null;
  private limit: NodeJS.Timeout | undefined;

  constructor(
    private readonly deliver: (event: CallEvent) => void,
    private readonly options: EventGateOptions = {},
  ) {}

  hold(): void {
    if (this.held !== null) return;
    this.held = [];
    const limitMs = this.options.limitMs ?? GATE_LIMIT_MS;
    this.limit = setTimeout(() => {
      this.options.log?.error({ held: this.held?.length ?? 0, limitMs }, 'events held past the limit while resynchronising: letting them through');
      this.release();
    }, limitMs);
    this.limit.unref();
  }

  push(event: CallEvent): void {
    if (this.held === null) this.deliver(event);
    else this.held.push(event);
  }

  /** Events waiting in the gate now (GET /metrics: the app's ARI event queue). */
  depth(): number {
    return this.held?.length ?? 0;
  }

  /** Hang-ups waiting in the gate: their exact time beats any record. */
  endsHeld(): Map<string, number> {
    const ends = new Map<string, number>();
    for (const e of this.held ?? []) if (e.type === 'call.end') ends.set(e.channelId, e.at);
    return ends;
  }

  release(): void {
    clearTimeout(this.limit);
    this.limit = undefined;
    const held = this.held ?? [];
    this.held = null;
    for (const event of held) this.deliver(event);
  }
}
