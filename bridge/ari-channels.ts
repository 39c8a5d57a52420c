// CallChannel over ARI: answer, refuse, hang up and play prompts on one caller's channel.
import type { Client } from 'ari-client';
import type { Logger } from 'pino';
import type { CallChannel, LegEndReason, PromptPlayback } from '../flows/ports.js';
import type { PlaybackTracker } from './playbacks.js';

/** Hang-up causes as ARI names them; PJSIP turns `unallocated` into 404, `unavailable` into 480-ish. */
const REJECT_REASON: Record<'unallocated' | 'unavailable', string> = {
  unallocated: 'unallocated',
  unavailable: 'congestion',
};

export class AriChannels implements CallChannel {
  /** Why the app hung up a channel, until its StasisEnd takes it (takeHangupReason). */
  private readonly hangupReasons = new Map<string, LegEndReason>();

  constructor(
    private readonly client: Client,
    private readonly playbacks: PlaybackTracker,
    private readonly log: Logger,
  ) {}

  async answer(channelId: string): Promise<void> {
    await this.client.channels.answer({ channelId });
  }

  async reject(channelId: string, cause: 'unallocated' | 'unavailable'): Promise<void> {
    await this.client.channels.hangup({ channelId, reason: REJECT_REASON[cause] });
  }

  async hangup(channelId: string, reason?: LegEndReason): Promise<void> {
    // Noted before the request: the StasisEnd it causes may arrive before the reply.
    if (reason !== undefined && !this.hangupReasons.has(channelId)) this.hangupReasons.set(channelId, reason);
    try {
      await this.client.channels.hangup({ channelId });
    } catch (err) {
      this.hangupReasons.delete(channelId); // gone already: its StasisEnd has come or will not
      throw err;
    }
  }

  /** The reason the app gave when it hung this channel up, if it did; forgotten once taken. */
  takeHangupReason(channelId: string): LegEndReason | undefined {
    const reason = this.hangupReasons.get(channelId);
    this.hangupReasons.delete(channelId);
    return reason;
  }

  play(channelId: string, media: string[]): PromptPlayback {
    const { id, finished } = this.playbacks.register();
    let stopped = false;
    const started = this.client.channels.play({ channelId, media, playbackId: id }).then(
      () => true,
      (err: unknown) => {
        // The channel may already be gone; either way this playback will never finish.
        this.log.debug({ err, channelId }, 'playback did not start');
        this.playbacks.finished(id);
        return false;
      },
    );
    return {
      finished,
      stop: () => {
        if (stopped) return;
        stopped = true;
        void started.then(async (ok) => {
          if (!ok) return;
          await this.client.playbacks.stop({ playbackId: id }).catch(() => undefined);
          this.playbacks.finished(id);
        });
      },
    };
  }
}
