// CallChannel over ARI: answer, refuse, hang up and play prompts on one caller's channel.
import type { Logger } from 'pino';
import type { AriClientSource } from './ari-session.js';
import type { CallChannel, PromptPlayback } from '../flows/ports.js';
import type { AnswerTimes } from './answer-times.js';
import type { PlaybackTracker } from './playbacks.js';

/**
 * Hang-up causes as ARI names them, and the SIP final response PJSIP sends for each (checked
 * over real SIP by test/e2e/refusal.test.ts): `unallocated` 404, `congestion` 503.
 */
const REJECT_REASON: Record<'unallocated' | 'unavailable', string> = {
  unallocated: 'unallocated',
  unavailable: 'congestion',
};

export class AriChannels implements CallChannel {
  constructor(
    private readonly ari: AriClientSource,
    private readonly playbacks: PlaybackTracker,
    private readonly log: Logger,
    private readonly answers?: AnswerTimes,
  ) {}

  async answer(channelId: string): Promise<number | null> {
    await this.ari.client.channels.answer({ channelId });
    if (this.answers === undefined) return null;
    const at = await this.answers.take(channelId);
    if (at === null) this.log.warn({ channelId }, 'Asterisk reported no answer time (ChannelStateChange Up): the leg starts at the app clock');
    return at;
  }

  async reject(channelId: string, cause: 'unallocated' | 'unavailable'): Promise<void> {
    await this.ari.client.channels.hangup({ channelId, reason: REJECT_REASON[cause] });
  }

  async hangup(channelId: string): Promise<void> {
    await this.ari.client.channels.hangup({ channelId });
  }

  play(channelId: string, media: string[]): PromptPlayback {
    const { id, finished } = this.playbacks.register();
    let stopped = false;
    const started = this.ari.client.channels.play({ channelId, media, playbackId: id }).then(
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
          await this.ari.client.playbacks.stop({ playbackId: id }).catch(() => undefined);
          this.playbacks.finished(id);
        });
      },
    };
  }
}
