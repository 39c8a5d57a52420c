// Who asked for a channel's hang-up, heard over AMI (SoftHangupRequest / HangupRequest). The
// app stops hearing a conference member's own ARI events (channel-subscriptions.ts), so an
// RTP timeout or a failed session-timer refresh of a caller in a room reaches it only here.
// The AMI event and ARI's StasisEnd come over two connections in no set order: the leg's end
// time is StasisEnd's, and only the reason waits (briefly) for this record.
import type { AmiSession } from './ami-session.js';
import type { HangupRequest } from './ari-events.js';

/** Records kept for channels whose StasisEnd never came to take them (a websocket gap). */
const MEMORY = 10_000;

export class HangupRequests {
  private readonly requests = new Map<string, HangupRequest>();
  private readonly waiters = new Map<string, () => void>();

  constructor(ami: AmiSession) {
    ami.onEvent('SoftHangupRequest', (event) => this.heard(event.uniqueid, { soft: true, cause: Number(event.cause) }));
    ami.onEvent('HangupRequest', (event) => this.heard(event.uniqueid, { soft: false, cause: event.cause === undefined ? null : Number(event.cause) }));
  }

  heard(channelId: string | undefined, request: HangupRequest): void {
    if (channelId === undefined || this.requests.has(channelId)) return; // the first one asked
    const cause = request.cause !== null && Number.isFinite(request.cause) ? request.cause : null;
    this.requests.set(channelId, { soft: request.soft, cause });
    if (this.requests.size > MEMORY) {
      const oldest = this.requests.keys().next().value;
      if (oldest !== undefined) this.requests.delete(oldest);
    }
    this.waiters.get(channelId)?.();
  }

  /** The channel ended and its reason came from elsewhere: what AMI said of it is not needed. */
  forget(channelId: string): void {
    this.requests.delete(channelId);
  }

  /** The channel's hang-up request, waiting up to `waitMs` for it; null if none came. */
  async take(channelId: string, waitMs: number): Promise<HangupRequest | null> {
    if (!this.requests.has(channelId) && waitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, waitMs);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.set(channelId, done);
      });
      this.waiters.delete(channelId);
    }
    const request = this.requests.get(channelId) ?? null;
    this.requests.delete(channelId);
    return request;
  }
}
