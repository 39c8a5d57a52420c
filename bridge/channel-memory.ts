// What the ARI adapter keeps per caller's channel until its StasisEnd (a hang-up's reason and
// request, prompts asked for, the answer time, whether the app hears it), forgotten as one when
// the call is over: a call the resync ended had its StasisEnd lost with the ARI connection, and
// its entries stayed for the life of the process.
import type { AriChannels } from './ari-channels.js';
import type { AriSession } from './ari-session.js';
import type { HangupRequests } from './hangup-requests.js';

export class ChannelMemory {
  constructor(
    private readonly channels: Pick<AriChannels, 'forget' | 'channelsKept'>,
    private readonly session: Pick<AriSession, 'forgetChannel' | 'channelsKept'>,
    private readonly hangupRequests: Pick<HangupRequests, 'forget'>,
  ) {}

  /** The call on this channel is over. */
  forget(channelId: string): void {
    this.channels.forget(channelId);
    this.session.forgetChannel(channelId);
    this.hangupRequests.forget(channelId);
  }

  /**
   * Entries kept for channels (0 with no call up; diagnostics and tests). AMI's hang-up records
   * are not counted: a copy may arrive after the call, and they go after a minute anyway.
   */
  get kept(): number {
    return this.channels.channelsKept + this.session.channelsKept;
  }
}
