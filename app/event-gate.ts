// Holds ARI events back while the app resynchronises with Asterisk, then lets them through in
// the order they came: a hang-up heard during a resync reaches the call the resync rebuilt.
import type { CallEvent } from '../bridge/ari-events.js';

export class EventGate {
  private held: CallEvent[] | null = null;

  constructor(private readonly deliver: (event: CallEvent) => void) {}

  hold(): void {
    this.held ??= [];
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
    const held = this.held ?? [];
    this.held = null;
    for (const event of held) this.deliver(event);
  }
}
