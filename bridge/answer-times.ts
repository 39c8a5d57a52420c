// When Asterisk answered each channel, by its own clock: the timestamp of the
// ChannelStateChange event that puts the channel Up. Not the channel's `creationtime` (that is
// when the INVITE arrived, ringing included, which nobody bills) and not the app's clock at
// the REST reply (another host's clock, skewed against StasisEnd's, which ends the leg).
// The event and the REST reply to `answer` race each other, so either may come first.

/** How long answer() waits for the Up event after Asterisk's REST reply before giving up. */
export const ANSWER_EVENT_WAIT_MS = 2000;

export class AnswerTimes {
  private readonly seen = new Map<string, number>();
  private readonly waiting = new Map<string, (at: number | null) => void>();

  /** From the ChannelStateChange event with state Up. */
  answered(channelId: string, at: number): void {
    const resolve = this.waiting.get(channelId);
    if (resolve !== undefined) {
      this.waiting.delete(channelId);
      resolve(at);
      return;
    }
    this.seen.set(channelId, at);
  }

  /** Asterisk's answer time of a channel just answered, or null if it did not come in time. */
  take(channelId: string, waitMs = ANSWER_EVENT_WAIT_MS): Promise<number | null> {
    const at = this.seen.get(channelId);
    if (at !== undefined) {
      this.seen.delete(channelId);
      return Promise.resolve(at);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(channelId);
        resolve(null);
      }, waitMs);
      timer.unref();
      this.waiting.set(channelId, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
  }

  /** The channel is gone: forget it (an Up the app never asked about must not pile up). */
  forget(channelId: string): void {
    this.seen.delete(channelId);
    this.waiting.get(channelId)?.(null);
    this.waiting.delete(channelId);
  }

  get size(): number {
    return this.seen.size + this.waiting.size;
  }
}
