// RoomAnnouncer over ARI: what a room announces (flows/room-announcements.ts).
//   announce   POST /bridges/tollbridge-live-<room>/play with lang=<room's language>: one
//              request for the whole conference (Asterisk mixes it in through a hidden
//              announcer channel, not listed among the bridge's channels and never a
//              ChannelEnteredBridge), in the room's language, whatever each channel's is
//   tell       a prompt to one caller's channel (it speaks the room's language since PIN entry);
//              the app hears that channel again for the prompt's end, then quiets it again.
//              Tracked apart from the callers' IVR prompts (AriSession.announcements), with a
//              guard: a caller who hangs up during it must not leave a prompt pending
//   music      music on hold in the live bridge (POST/DELETE /bridges/{id}/moh), the same hidden way;
//              while callers wait in that bridge the music is theirs (live-music.ts)
//   forgetName deletes a caller's name recording (an Asterisk stored recording) once every
//              announcement that plays it has finished (PlaybackFinished, or a guard time)
import type { Logger } from 'pino';
import type { RoomAnnouncer } from '../flows/ports.js';
import { liveBridgeId } from './room-bridge-ids.js';
import type { AriChannels } from './ari-channels.js';
import type { AriClientSource } from './ari-client-source.js';
import type { ChannelSubscriptions } from './channel-subscriptions.js';
import { finishedOrAfter, type PlaybackTracker } from './playbacks.js';
import type { LiveMusic } from './live-music.js';

/** An announcement that never reports its end must not keep a name recording for ever. */
const ANNOUNCEMENT_GUARD_MS = 30_000;

export class AriAnnouncer implements RoomAnnouncer {
  /** Announcements still playing a name recording, by recording name. */
  private readonly playingNames = new Map<string, Set<Promise<void>>>();

  constructor(
    private readonly ari: AriClientSource,
    private readonly channels: Pick<AriChannels, 'promptsAskedFor'>,
    /** The session's tracker of bridge playbacks (AriSession.announcements), not the callers' prompts'. */
    private readonly playbacks: PlaybackTracker,
    private readonly subscriptions: ChannelSubscriptions,
    private readonly log: Logger,
    /** The live bridge's music, shared with the waiting callers (live-music.ts); absent: asked for directly. */
    private readonly liveMusic?: LiveMusic,
  ) {}

  async announce(room: string, sounds: string[], language: string): Promise<void> {
    const { id, finished } = this.playbacks.register();
    const heard = finishedOrAfter(finished, ANNOUNCEMENT_GUARD_MS);
    // Given up after the guard: the bridge may have gone with the end of the tone.
    void heard.then(() => this.playbacks.finished(id));
    for (const name of namesIn(sounds)) this.track(name, heard);
    try {
      await this.ari.client.bridges.play({ bridgeId: liveBridgeId(room), media: sounds, lang: language, playbackId: id });
    } catch (err) {
      this.playbacks.finished(id);
      this.log.warn({ err, room }, 'announcement not played (bridge gone?)');
    }
  }

  async tell(channelId: string, sounds: string[]): Promise<void> {
    const { id, finished } = this.playbacks.register();
    const heard = finishedOrAfter(finished, ANNOUNCEMENT_GUARD_MS);
    const promptsBefore = this.channels.promptsAskedFor(channelId);
    // Quiet again once heard (a conference member's own events are not needed: channel-subscriptions.ts),
    // unless a prompt was asked for meanwhile (a dismissal's): its end must still be heard.
    void heard.then(() => {
      this.playbacks.finished(id);
      if (this.channels.promptsAskedFor(channelId) === promptsBefore) this.subscriptions.quiet([channelId]);
    });
    // Its end is the channel's event: heard again first. Not on the room's path: not awaited.
    void this.subscriptions
      .listen([channelId])
      .then(() => this.ari.rest.play(channelId, sounds, id))
      .catch((err: unknown) => {
        this.playbacks.finished(id);
        this.log.debug({ err, channelId }, 'count not told (caller gone?)');
      });
  }

  async music(room: string, on: boolean): Promise<void> {
    if (this.liveMusic !== undefined) return this.liveMusic.forAlone(room, on);
    const bridgeId = liveBridgeId(room);
    try {
      if (on) await this.ari.client.bridges.startMoh({ bridgeId, mohClass: 'default' });
      else await this.ari.client.bridges.stopMoh({ bridgeId });
    } catch (err) {
      this.log.debug({ err, room, on }, 'music on hold in the conference not changed (bridge gone?)');
    }
  }

  async forgetName(name: string): Promise<void> {
    const playing = [...(this.playingNames.get(name) ?? [])];
    void Promise.all(playing).then(() =>
      this.ari.client.recordings.deleteStored({ recordingName: name }).catch((err: unknown) => this.log.warn({ err, name }, 'name recording not deleted')),
    );
  }

  private track(name: string, heard: Promise<void>): void {
    const set = this.playingNames.get(name) ?? new Set<Promise<void>>();
    this.playingNames.set(name, set);
    set.add(heard);
    void heard.then(() => {
      set.delete(heard);
      if (set.size === 0 && this.playingNames.get(name) === set) this.playingNames.delete(name);
    });
  }
}

function namesIn(sounds: string[]): string[] {
  return sounds.filter((s) => s.startsWith('recording:')).map((s) => s.slice('recording:'.length));
}
