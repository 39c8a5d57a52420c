// Mutes and unmutes the callers who wait in a room's live bridge, all at once. Over AMI when it
// is connected: MuteAudio locks the channel and sets the mute (the same one as ARI's, Asterisk's
// ast_channel_suppress) at once, and a burst of them on one connection releases 100 callers in
// 9-20 ms (bench/release-shapes.ts); ARI's mute waits for each channel's own thread to take the
// command (33-1,057 ms for 100 over 32 sockets). Over ARI when AMI is down or refuses one (the
// AMI user lacks "system" write rights: sip-config/manager.conf). Direction "in": what the caller
// says no longer reaches the bridge; the caller still hears it.
import type { Logger } from 'pino';
import type { AmiSession } from './ami-session.js';
import type { AriClientSource } from './ari-client-source.js';

export class WaitingMutes {
  /** AMI refused MuteAudio for want of rights: ARI from then on (warned once). */
  private amiRefused = false;

  constructor(
    private readonly ami: Pick<AmiSession, 'action' | 'connected'>,
    private readonly ari: AriClientSource,
    private readonly log: Logger,
  ) {}

  /** Resolves once Asterisk has answered for every channel (a gone one is logged and skipped). */
  async set(channelIds: readonly string[], muted: boolean): Promise<void> {
    const overAmi = this.ami.connected && !this.amiRefused;
    await Promise.all(
      channelIds.map((channelId) =>
        (overAmi ? this.overAmi(channelId, muted).catch(() => this.overAri(channelId, muted)) : this.overAri(channelId, muted)).catch((err: unknown) =>
          this.log.debug({ err, channelId, muted }, 'waiting caller\'s mute not changed (gone?)'),
        ),
      ),
    );
  }

  private async overAmi(channelId: string, muted: boolean): Promise<void> {
    try {
      // AMI finds a channel by its name or, failing that, its unique id: ARI's channel id.
      await this.ami.action({ action: 'MuteAudio', channel: channelId, direction: 'in', state: muted ? 'on' : 'off' });
    } catch (err) {
      if (!this.amiRefused && err instanceof Error && /permission denied/i.test(err.message)) {
        this.amiRefused = true;
        this.log.warn({ err }, 'AMI refuses MuteAudio (the AMI user needs "system" write rights): waiting callers are muted over ARI, and released more slowly');
      }
      throw err;
    }
  }

  private async overAri(channelId: string, muted: boolean): Promise<void> {
    await (muted ? this.ari.client.channels.mute({ channelId, direction: 'in' }) : this.ari.client.channels.unmute({ channelId, direction: 'in' }));
  }
}
