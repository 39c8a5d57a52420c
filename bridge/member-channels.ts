// MemberChannels over ARI: mute and prompts for callers in a room. A prompt to a conference
// member is played without hearing its end: PlaybackFinished is an event of the member's own
// channel, which the app stopped hearing (channel-subscriptions.ts), and nothing waits for it.
// So the member stays quiet and a prompt costs Asterisk's event queue nothing; playbacks asked
// for one after the other are queued by Asterisk on the channel and heard in order.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AriClientSource } from './ari-client-source.js';
import type { MemberChannels } from '../flows/room-controls.js';

export class AriMemberChannels implements MemberChannels {
  constructor(
    private readonly ari: AriClientSource,
    private readonly log: Logger,
    /** A caller waiting for the moderator stands muted among the others waiting: not unmuted here (ari-conference.ts unmutes at the release). */
    private readonly isWaiting: (channelId: string) => boolean = () => false,
  ) {}

  async mute(channelIds: string[], muted: boolean): Promise<void> {
    await Promise.all(
      channelIds.filter((channelId) => muted || !this.isWaiting(channelId)).map((channelId) =>
        // "in": what the caller says no longer reaches the room; they still hear it.
        (muted ? this.ari.client.channels.mute({ channelId, direction: 'in' }) : this.ari.client.channels.unmute({ channelId, direction: 'in' })).catch((err: unknown) =>
          this.log.debug({ err, channelId, muted }, 'mute change failed (gone?)'),
        ),
      ),
    );
  }

  async tell(channelIds: string[], media: string[]): Promise<void> {
    await Promise.all(
      channelIds.map((channelId) =>
        this.ari.rest.play(channelId, media, `tb-room-${randomUUID()}`).catch((err: unknown) => this.log.debug({ err, channelId }, 'in-room prompt not played (gone?)')),
      ),
    );
  }
}
