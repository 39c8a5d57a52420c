// ConferenceBridges over ARI. Each room has two bridges with ids derived from the room
// number (room-bridge-ids.ts): the live mixing bridge and the holding bridge with music on hold.
// With `waiting` (the service's shape) callers waiting for the moderator stand in the live bridge
// instead, muted, with the bridge's music (waiting-places.ts): the moderator's arrival stops the
// music and unmutes them all at once (waiting-mutes.ts), where moving them from the holding
// bridge took Asterisk about 4.4 ms a caller. The holding bridge is still read after a restart
// (callers an older release held there are moved as before).
// Every move is checked: a refused move is retried for the channels still there, and a bridge
// that vanished under the app is created again. Whether a
// channel really arrived is Asterisk's ChannelEnteredBridge to say (the call machine waits
// for it, flows/placement-watch.ts), not the resolved request.
import type { Logger } from 'pino';
import type { AriClientSource } from './ari-client-source.js';
import type { ConferenceBridges } from '../flows/ports.js';
import type { LegEndReason } from '../domain/legs.js';
import type { AriChannels } from './ari-channels.js';
import type { ChannelSubscriptions } from './channel-subscriptions.js';
import { finishedOrAfter } from './playbacks.js';
import { holdBridgeId, liveBridgeId } from './room-bridge-ids.js';
import type { HoldMarks } from './hold-marks.js';
import type { LiveMusic } from './live-music.js';
import type { WaitingMutes } from './waiting-mutes.js';
import type { LivePlaces, PlaceEvent, WaitingPlaces } from './waiting-places.js';

/** What waiting inside the live bridge takes (bridge-app.ts wires it). */
export interface WaitingInBridge {
  places: WaitingPlaces;
  music: LiveMusic;
  mutes: WaitingMutes;
  marks: HoldMarks;
  /** Tells the machines a place change Asterisk reports no event for (through the ordered gate). */
  tell: (event: PlaceEvent) => void;
}

/** A prompt that never reports its end must not hold up the room for ever. */
const DISMISS_PROMPT_GUARD_MS = 10_000;
/**
 * A bridge destroyed a moment ago keeps its id while Asterisk dissolves it (its channels leave
 * one by one): creating it again is refused "already exists" though it is no longer found.
 * Tried again every 100 ms for up to 5 s (a room of hundreds takes about a second).
 */
const DISSOLVING_RETRY_MS = 100;
const DISSOLVING_TRIES = 50;

export class AriConference implements ConferenceBridges {
  /**
   * Room bridges known to exist: saves a request per join. Follows what Asterisk reports
   * (bridgeCreated / bridgeDestroyed, knowOnly after a resync) besides the app's own creates
   * and destroys; a bridge gone unreported is still caught by a refused move (ensureStillThere).
   */
  private readonly existing = new Set<string>();
  /** Waiting prompts still playing, stopped when the caller moves into the conference. */
  private readonly holdPrompts = new Map<string, () => void>();

  constructor(
    private readonly ari: AriClientSource,
    private readonly channels: AriChannels,
    private readonly subscriptions: ChannelSubscriptions,
    private readonly log: Logger,
    private readonly pause: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    /** Absent: callers wait in the holding bridge (as before this shape; the unit tests' fake ARI). */
    private readonly waiting?: WaitingInBridge,
  ) {}

  /**
   * After a restart or reconnect: the bridges Asterisk has now are the only ones known to
   * exist (a restarted Asterisk has none; a restarted app must still destroy its old ones).
   */
  knowOnly(bridgeIds: string[], places?: LivePlaces): void {
    this.existing.clear();
    for (const id of bridgeIds) this.existing.add(id);
    if (places === undefined || this.waiting === undefined) return;
    this.waiting.places.know(places.inLive, places.held);
    this.waiting.music.knowWaiting(places.waitingRooms);
    this.waiting.marks.know(places.waitingRooms);
  }

  /** Asterisk's BridgeCreated for a room bridge. */
  bridgeCreated(bridgeId: string): void {
    this.existing.add(bridgeId);
  }

  /** Asterisk's BridgeDestroyed for a room bridge: the next move creates it again first. */
  bridgeDestroyed(bridgeId: string): void {
    if (this.existing.delete(bridgeId)) this.log.debug({ bridgeId }, 'room bridge destroyed');
  }

  async admitLive(room: string, channelIds: string[], stayMuted: readonly string[] = []): Promise<void> {
    this.stopHoldPrompts(channelIds);
    const waiting = this.waiting;
    const { released, told } = waiting?.places.release(room, channelIds) ?? { released: [], told: [] };
    const entering = channelIds.filter((id) => !released.includes(id));
    if (waiting === undefined || released.length === 0) {
      // Adding a channel that sits in the holding bridge moves it (Asterisk leaves the old bridge).
      this.subscriptions.quiet(await this.move(liveBridgeId(room), 'mixing', room, entering));
      return;
    }
    // The music stops before anyone hears the room. The moderator goes in while the waiting are
    // still muted: Asterisk adds a channel to a bridge of 100 muted callers in 6-11 ms, to one of
    // 100 unmuted in 245-317 ms (bench/load.js --moderator last). Then one burst of unmutes (those
    // the room keeps muted excepted), and the room's mark goes before the machines are told.
    if (waiting.places.heldIn(room) === 0) await waiting.music.forWaiting(room, false);
    const moved = await this.move(liveBridgeId(room), 'mixing', room, entering);
    const keepMuted = new Set(stayMuted);
    await waiting.mutes.set(released.filter((id) => !keepMuted.has(id)), false);
    if (waiting.places.heldIn(room) === 0) void waiting.marks.mark(room, false);
    for (const event of told) waiting.tell(event);
    this.subscriptions.quiet([...moved, ...released]);
  }

  async hold(room: string, channelIds: string[], prompt: string | null, then: string[] = []): Promise<void> {
    const waiting = this.waiting;
    const moved = waiting === undefined ? await this.move(holdBridgeId(room), 'holding', room, channelIds) : await this.holdInLive(waiting, room, channelIds);
    if (prompt === null) {
      this.subscriptions.quiet(moved);
      return;
    }
    for (const channelId of moved) {
      const playback = this.channels.play(channelId, [prompt, ...then].map((sound) => `sound:${sound}`));
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

  /**
   * Into the live bridge, muted first (nobody waiting hears another), with its music on. The
   * room is marked waiting before anyone stands there as such. Callers already in the bridge (an
   * open room whose moderator left) stay where they are: muted, and told held.
   */
  private async holdInLive(waiting: WaitingInBridge, room: string, channelIds: string[]): Promise<string[]> {
    if (channelIds.length === 0) return [];
    await this.ensure(liveBridgeId(room), 'mixing', room);
    await Promise.all([waiting.mutes.set(channelIds, true), waiting.marks.mark(room, true)]);
    const told = waiting.places.hold(room, channelIds);
    await waiting.music.forWaiting(room, true);
    const standing = channelIds.filter((id) => waiting.places.standsIn(room, id));
    const moved = await this.move(liveBridgeId(room), 'mixing', room, channelIds.filter((id) => !standing.includes(id)));
    for (const event of told) waiting.tell(event);
    return [...standing, ...moved];
  }

  private stopHoldPrompts(channelIds: string[]): void {
    for (const channelId of channelIds) {
      const stop = this.holdPrompts.get(channelId);
      this.holdPrompts.delete(channelId);
      stop?.();
    }
  }

  async dismiss(channelIds: string[], prompt: string, reason: LegEndReason): Promise<void> {
    this.stopHoldPrompts(channelIds);
    await Promise.all(
      channelIds.map(async (channelId) => {
        const playback = this.channels.play(channelId, [`sound:${prompt}`]);
        await finishedOrAfter(playback.finished, DISMISS_PROMPT_GUARD_MS);
        await this.channels.hangup(channelId, reason).catch((err: unknown) => this.log.debug({ err, channelId }, 'dismissed caller already gone'));
      }),
    );
  }

  async release(room: string): Promise<void> {
    if (this.waiting !== undefined) {
      this.waiting.places.forgetRoom(room);
      this.waiting.music.forget(room);
      void this.waiting.marks.mark(room, false);
    }
    for (const bridgeId of [liveBridgeId(room), holdBridgeId(room)]) {
      if (!this.existing.delete(bridgeId)) continue;
      await this.ari.client.bridges.destroy({ bridgeId }).catch((err: unknown) => this.log.debug({ err, bridgeId }, 'bridge already gone'));
    }
  }

  /**
   * Adds the channels to the bridge; the ids it asked Asterisk to add in the end. Several
   * channels (the waiting callers a moderator releases) go in one request: Asterisk moves them
   * one after the other on the bridge either way, and requests side by side only contend for
   * it (bench/load.ts, 100 waiting callers, light callers: one request 442 ms for the last of
   * them; 4 requests side by side 443 ms; one per channel over 32 sockets 1,113 ms, over 96
   * sockets 1,984 ms). A request naming a channel gone meanwhile is refused whole: then one
   * request per channel, so the gone one is refused alone. Refused channels are tried once
   * more after the bridge is made sure of again (it may have been destroyed under the app) and
   * the gone ones are dropped; a channel that still fails is logged and left to its call's
   * placement watch (retried, then told and hung up).
   */
  private async move(bridgeId: string, type: 'mixing' | 'holding', room: string, channelIds: string[]): Promise<string[]> {
    if (channelIds.length === 0) return [];
    await this.ensure(bridgeId, type, room);
    if (channelIds.length > 1 && (await this.addAll(bridgeId, channelIds))) return channelIds;
    const refused = await this.addEach(bridgeId, channelIds);
    if (refused.length === 0) return channelIds;
    this.log.warn({ bridgeId, channels: refused.length }, 'bridge move refused: retrying for the channels still there');
    await this.ensureStillThere(bridgeId, type, room);
    const present = await this.stillPresent(refused);
    const failed = new Set(await this.addEach(bridgeId, present));
    for (const channelId of failed) this.log.warn({ bridgeId, channelId }, 'channel could not be added to the bridge');
    const gone = new Set(refused.filter((id) => !present.includes(id)));
    return channelIds.filter((id) => !gone.has(id) && !failed.has(id));
  }

  /** One request for all the channels; false when Asterisk refused it. */
  private addAll(bridgeId: string, channelIds: string[]): Promise<boolean> {
    return this.ari.rest.addChannel(bridgeId, channelIds, 'participant').then(
      () => true,
      (err: unknown) => {
        this.log.debug({ err, bridgeId, channels: channelIds.length }, 'addChannel of several refused: one request per channel');
        return false;
      },
    );
  }

  /** The channels whose addChannel Asterisk refused. */
  private async addEach(bridgeId: string, channelIds: string[]): Promise<string[]> {
    const refused = await Promise.all(
      channelIds.map((channelId) =>
        this.ari.rest.addChannel(bridgeId, [channelId], 'participant').then(
          () => null,
          (err: unknown) => {
            this.log.debug({ err, bridgeId, channelId }, 'addChannel refused');
            return channelId;
          },
        ),
      ),
    );
    return refused.filter((id): id is string => id !== null);
  }

  /** The channels Asterisk still has (one GET each: this runs only after a refused move). */
  private async stillPresent(channelIds: string[]): Promise<string[]> {
    const found = await Promise.all(
      channelIds.map((channelId) =>
        this.ari.client.channels.get({ channelId }).then(
          () => channelId,
          () => null,
        ),
      ),
    );
    return found.filter((id): id is string => id !== null);
  }

  /** After a refused move: the bridge may have been destroyed under the app (the cache does not know). */
  private async ensureStillThere(bridgeId: string, type: 'mixing' | 'holding', room: string): Promise<void> {
    if (await this.bridgeExists(bridgeId)) return;
    this.log.warn({ bridgeId }, 'room bridge gone: creating it again');
    this.existing.delete(bridgeId);
    await this.ensure(bridgeId, type, room);
  }

  private bridgeExists(bridgeId: string): Promise<boolean> {
    return this.ari.client.bridges.get({ bridgeId }).then(
      () => true,
      () => false,
    );
  }

  private async ensure(bridgeId: string, type: 'mixing' | 'holding', room: string): Promise<string> {
    if (this.existing.has(bridgeId)) return bridgeId;
    await this.create(bridgeId, type, room);
    if (type === 'holding') {
      try {
        await this.ari.client.bridges.startMoh({ bridgeId, mohClass: 'default' });
      } catch (err) {
        // Its BridgeCreated may have been heard meanwhile: not ready until its music plays.
        this.existing.delete(bridgeId);
        throw err;
      }
    }
    this.existing.add(bridgeId);
    return bridgeId;
  }

  private async create(bridgeId: string, type: 'mixing' | 'holding', room: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        // dtmf_events: never a native RTP bridge, which (two callers in the room) would pass their
        // keys from RTP to RTP without Asterisk reading them, so in-call keys would go unheard.
        await this.ari.client.bridges.createWithId({ bridgeId, type: type === 'mixing' ? 'mixing,dtmf_events' : type, name: `${type === 'mixing' ? 'live' : 'hold'}-${room}` });
        return;
      } catch (err) {
        // Asterisk refuses an id it already has ("already exists"): then it is there to use,
        // unless it is the old bridge still dissolving (not found): then wait for it to go.
        if (await this.bridgeExists(bridgeId)) return;
        if (!alreadyExists(err) || attempt >= DISSOLVING_TRIES) throw err;
        if (attempt === 1) this.log.info({ bridgeId }, 'room bridge still dissolving: creating it again once it is gone');
        await this.pause(DISSOLVING_RETRY_MS);
      }
    }
  }
}

function alreadyExists(err: unknown): boolean {
  return err instanceof Error && err.message.includes('already exists');
}
