// Who asked for a channel's hang-up, heard over AMI (SoftHangupRequest / HangupRequest). The
// app stops hearing a conference member's own ARI events (channel-subscriptions.ts), so an
// RTP timeout or a failed session-timer refresh of a caller in a room reaches it only here.
// The AMI event and ARI's StasisEnd come over two connections in no set order: the leg's end
// time is StasisEnd's, and only the reason waits (briefly) for this record.
import type { AmiSession } from './ami-session.js';
import type { HangupRequest } from '../domain/call-events.js';

/** Records kept for channels whose StasisEnd never came to take them (a websocket gap). */
const MEMORY = 10_000;
/**
 * A record older than this is of no use: a hang-up request ends its channel within
 * milliseconds, and a quiet member's end waits for it only briefly (bridge-app.ts). Most
 * records are never taken at all (the AMI copy of a request ARI also reported, or one that
 * arrives after StasisEnd): without this they piled up to MEMORY (10,000 calls' worth).
 */
export const HANGUP_REQUEST_KEEP_MS = 60_000;

export class HangupRequests {
  /** In the order heard, so the oldest are first to go. */
  private readonly requests = new Map<string, HangupRequest & { heardAt: number }>();
  private readonly waiters = new Map<string, () => void>();

  constructor(
    ami: Pick<AmiSession, 'onEvent'>,
    private readonly now: () => number = Date.now,
  ) {
    ami.onEvent('SoftHangupRequest', (event) => this.heard(event.uniqueid, { soft: true, cause: Number(event.cause) }));
    ami.onEvent('HangupRequest', (event) => this.heard(event.uniqueid, { soft: false, cause: event.cause === undefined ? null : Number(event.cause) }));
  }

  heard(channelId: string | undefined, request: HangupRequest): void {
    if (channelId === undefined || this.requests.has(channelId)) return; // the first one asked
    const cause = request.cause !== null && Number.isFinite(request.cause) ? request.cause : null;
    const heardAt = this.now();
    this.forgetOlderThan(heardAt - HANGUP_REQUEST_KEEP_MS);
    this.requests.set(channelId, { soft: request.soft, cause, heardAt });
    if (this.requests.size > MEMORY) {
      const oldest = this.requests.keys().next().value;
      if (oldest !== undefined) this.requests.delete(oldest);
    }
    this.waiters.get(channelId)?.();
  }

  private forgetOlderThan(at: number): void {
    for (const [channelId, request] of this.requests) {
      if (request.heardAt >= at) return;
      this.requests.delete(channelId);
    }
  }

  /** Records held (for tests and diagnostics). */
  get size(): number {
    return this.requests.size;
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
    const request = this.requests.get(channelId);
    this.requests.delete(channelId);
    return request === undefined ? null : { soft: request.soft, cause: request.cause };
  }
}
