// Whether the app hears a channel's own events. Once a caller is in a conference the app needs
// nothing from that channel until it plays it a prompt again: its hang-up still arrives
// (StasisEnd is published on the application's topic, not the channel's), and bridge events
// arrive through the bridge. Meanwhile every join or leave in a mixing bridge sets BRIDGEPEER
// and BRIDGEPVTCALLID on every member, and Asterisk turns each of those ChannelVarset
// messages into JSON on the app's one event queue (taskprocessor
// stasis/m:ari:application/<app>), where the next caller's '#' waits behind them: 1,833 deep
// for 150 callers in one room even with the event filter, 61 with conference members quiet.
import type { Logger } from 'pino';
import type { AriClientSource } from './ari-client-source.js';

/**
 * How long a channel that left the app is remembered as gone. A move or a prompt that was under
 * way when it hung up still asks for it to be quiet afterwards (the move's reply, a prompt's
 * 30 s guard); each such late request left an entry here for good (the soak bench: 3 of 36
 * calls), and an unsubscribe request for a channel Asterisk no longer has.
 */
export const GONE_CHANNEL_MEMORY_MS = 60_000;

export class ChannelSubscriptions {
  /** Channels the app has unsubscribed from, with the last operation on each, in order. */
  private readonly quietChannels = new Map<string, Promise<void>>();
  /** Channels that left the app (StasisEnd), when, oldest first. */
  private readonly gone = new Map<string, number>();

  constructor(
    private readonly ari: AriClientSource,
    private readonly app: string,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Stops the channels' own events (off the caller's path: nothing waits for it). */
  quiet(channelIds: string[]): void {
    for (const channelId of channelIds) {
      if (this.quietChannels.has(channelId) || this.gone.has(channelId)) continue;
      const done = this.ari.rest
        .unsubscribe(this.app, `channel:${channelId}`)
        .then(
          () => undefined,
          (err: unknown) => this.log.debug({ err, channelId }, 'unsubscribe from channel failed (gone?)'),
        );
      this.quietChannels.set(channelId, done);
    }
  }

  /** Hears the channels' events again (before a prompt, whose end is a channel event). */
  async listen(channelIds: string[]): Promise<void> {
    await Promise.all(
      channelIds.map(async (channelId) => {
        const pending = this.quietChannels.get(channelId);
        if (pending === undefined) return;
        this.quietChannels.delete(channelId);
        await pending;
        await this.ari.rest
          .subscribe(this.app, `channel:${channelId}`)
          .catch((err: unknown) => this.log.debug({ err, channelId }, 'subscribe to channel failed (gone?)'));
      }),
    );
  }

  /**
   * After a restart or reconnect: of these bridge members, those Asterisk no longer sends the
   * app events for were quieted by an earlier process (or before the gap): remember them.
   */
  async adopt(memberIds: string[]): Promise<void> {
    if (memberIds.length === 0) return;
    const app = await this.ari.client.applications.get({ applicationName: this.app });
    const subscribed = new Set(typeof app.channel_ids === 'string' ? [app.channel_ids] : app.channel_ids);
    for (const channelId of memberIds) {
      if (!subscribed.has(channelId) && !this.quietChannels.has(channelId)) this.quietChannels.set(channelId, Promise.resolve());
    }
  }

  isQuiet(channelId: string): boolean {
    return this.quietChannels.has(channelId);
  }

  /** The channel left the app: nothing more to remember about it, but that it is gone (for a while). */
  forget(channelId: string): void {
    this.quietChannels.delete(channelId);
    const now = this.now();
    for (const [id, at] of this.gone) {
      if (at > now - GONE_CHANNEL_MEMORY_MS) break;
      this.gone.delete(id);
    }
    this.gone.delete(channelId);
    this.gone.set(channelId, now);
  }

  get quietCount(): number {
    return this.quietChannels.size;
  }
}
