// Mutes and unmutes the callers who wait in a room's live bridge, all at once. Over AMI when it
// is connected: Setvar of the dialplan function MUTEAUDIO(in) locks the channel and sets the mute
// (the same one as ARI's, Asterisk's ast_channel_suppress) at once, and a burst of them on one
// connection releases 100 callers in 10-44 ms (bench/load.js --moderator last); ARI's mute waits
// for each channel's own thread to take the command (33-1,057 ms for 100 over 32 sockets,
// bench/release-shapes.ts). Setvar needs the "call" write class only; AMI's MuteAudio action
// would need "system", which also loads modules and adds dialplan. Over ARI when AMI is down or
// refuses (a manager.conf without "call" write: sip-config/manager.conf). Direction "in": what the
// caller says no longer reaches the bridge; the caller still hears it.
import type { Logger } from 'pino';
import type { AmiSession } from './ami-session.js';
import type { AriClientSource } from './ari-client-source.js';

export class WaitingMutes {
  /** AMI refused Setvar for want of rights: ARI from then on (warned once). */
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
      await this.ami.action({ action: 'Setvar', channel: channelId, variable: 'MUTEAUDIO(in)', value: muted ? 'on' : 'off' });
    } catch (err) {
      if (!this.amiRefused && err instanceof Error && /permission denied/i.test(err.message)) {
        this.amiRefused = true;
        this.log.warn({ err }, 'AMI refuses Setvar (the AMI user needs "call" write rights): waiting callers are muted over ARI, and released more slowly');
      }
      throw err;
    }
  }

  private async overAri(channelId: string, muted: boolean): Promise<void> {
    await (muted ? this.ari.client.channels.mute({ channelId, direction: 'in' }) : this.ari.client.channels.unmute({ channelId, direction: 'in' }));
  }
}
