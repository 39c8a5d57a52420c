// ConferenceBridges over ARI. Each room has two bridges with ids derived from the room
// number, so that after a restart the app finds them again in Asterisk:
//   tollbridge-live-<room>  mixing bridge: the conference
//   tollbridge-hold-<room>  holding bridge with music on hold: waiting for the moderator
import type { Logger } from 'pino';
import type { AriClientSource } from './ari-session.js';
import type { ConferenceBridges } from '../flows/ports.js';
import type { AriChannels } from './ari-channels.js';
import type { ChannelSubscriptions } from './channel-subscriptions.js';

export const liveBridgeId = (room: string) => `tollbridge-live-${room}`;
export const holdBridgeId = (room: string) => `tollbridge-hold-${room}`;

/** A prompt that never reports its end must not hold up the room for ever. */
const DISMISS_PROMPT_GUARD_MS = 10_000;

export class AriConference implements ConferenceBridges {
  /** Bridges this process has created and not destroyed: saves a request per join. */
  private readonly existing = new Set<string>();
  /** Waiting prompts still playing, stopped when the caller moves into the conference. */
  private readonly holdPrompts = new Map<string, () => void>();

  constructor(
    private readonly ari: AriClientSource,
    private readonly channels: AriChannels,
    private readonly subscriptions: ChannelSubscriptions,
    private readonly log: Logger,
  ) {}

  /**
   * After a restart or reconnect: the bridges Asterisk has now are the only ones known to
   * exist (a restarted Asterisk has none; a restarted app must still destroy its old ones).
   */
  knowOnly(bridgeIds: string[]): void {
    this.existing.clear();
    for (const id of bridgeIds) this.existing.add(id);
  }

  async admitLive(room: string, channelIds: string[]): Promise<void> {
    this.stopHoldPrompts(channelIds);
    const bridgeId = await this.ensure(liveBridgeId(room), 'mixing', room);
    // Adding a channel that sits in the holding bridge moves it (Asterisk leaves the old bridge).
    await this.ari.client.bridges.addChannel({ bridgeId, channel: channelIds, role: 'participant' });
    this.subscriptions.quiet(channelIds);
  }

  async hold(room: string, channelIds: string[], prompt: string | null): Promise<void> {
    const bridgeId = await this.ensure(holdBridgeId(room), 'holding', room);
    await this.ari.client.bridges.addChannel({ bridgeId, channel: channelIds, role: 'participant' });
    if (prompt === null) {
      this.subscriptions.quiet(channelIds);
      return;
    }
    // Back from the conference ('wait' policy): the prompt's end is a channel event again.
    await this.subscriptions.listen(channelIds);
    for (const channelId of channelIds) {
      const playback = this.channels.play(channelId, [`sound:${prompt}`]);
      const stop = () => playback.stop();
      this.holdPrompts.set(channelId, stop);
      void playback.finished.then(() => {
        // Still only waiting (not moved or dismissed meanwhile, which take the entry): quiet.
        if (this.holdPrompts.get(channelId) !== stop) return;
        this.holdPrompts.delete(channelId);
        this.subscriptions.quiet([channelId]);
      });
    }
  }

  private stopHoldPrompts(channelIds: string[]): void {
    for (const channelId of channelIds) {
      const stop = this.holdPrompts.get(channelId);
      this.holdPrompts.delete(channelId);
      stop?.();
    }
  }

  async dismiss(channelIds: string[], prompt: string): Promise<void> {
    this.stopHoldPrompts(channelIds);
    await this.subscriptions.listen(channelIds);
    await Promise.all(
      channelIds.map(async (channelId) => {
        const playback = this.channels.play(channelId, [`sound:${prompt}`]);
        await Promise.race([playback.finished, new Promise((r) => setTimeout(r, DISMISS_PROMPT_GUARD_MS).unref())]);
        await this.channels.hangup(channelId).catch(() => undefined);
      }),
    );
  }

  async release(room: string): Promise<void> {
    for (const bridgeId of [liveBridgeId(room), holdBridgeId(room)]) {
      if (!this.existing.delete(bridgeId)) continue;
      await this.ari.client.bridges.destroy({ bridgeId }).catch((err: unknown) => this.log.debug({ err, bridgeId }, 'bridge already gone'));
    }
  }

  private async ensure(bridgeId: string, type: 'mixing' | 'holding', room: string): Promise<string> {
    if (this.existing.has(bridgeId)) return bridgeId;
    // createWithId creates the bridge or returns the one Asterisk already has under that id.
    await this.ari.client.bridges.createWithId({ bridgeId, type, name: `${type === 'mixing' ? 'live' : 'hold'}-${room}` });
    if (type === 'holding') await this.ari.client.bridges.startMoh({ bridgeId, mohClass: 'default' });
    this.existing.add(bridgeId);
    return bridgeId;
  }
}
