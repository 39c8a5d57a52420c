// Where a room's waiting callers stand. They wait inside the room's mixing bridge, muted,
// hearing the bridge's music (ari-conference.ts): the moderator's arrival then only stops the
// music and unmutes them, instead of Asterisk moving each from a holding bridge one after the
// other (bench/release-shapes.ts: 9-20 ms against 490-770 ms for 100).
//
// Asterisk reports them entering the live bridge; the machines must hear "hold" (the placement
// watch's moderator-wait limit, the alone watch, the recorder), and "live" once released, though
// no ChannelEnteredBridge comes for a channel that stays in its bridge. So this tracker:
//   - maps Asterisk's events of a held channel on the live bridge to "hold" (classify);
//   - says which events to tell when a channel already in the live bridge is held or released
//     (an event of a channel whose entry Asterisk has not reported yet is left to that report,
//     which is classified when it comes: so each change is told exactly once).
// Pure bookkeeping: the requests to Asterisk are ari-conference.ts's.
import type { BridgeKind } from '../domain/call-events.js';

/** A bridge event as the machines take it (domain/call-events.ts), without its timestamps. */
export interface PlaceEvent {
  type: 'bridge.entered' | 'bridge.left';
  channelId: string;
  room: string;
  bridge: BridgeKind;
  /** Told by the app (a place changed inside the live bridge), not reported by Asterisk. */
  told?: true;
}

/** Asterisk's word after a resync: channel id -> room; `waitingRooms`: rooms whose callers wait in the live bridge. */
export interface LivePlaces {
  inLive: Map<string, string>;
  held: Map<string, string>;
  waitingRooms: string[];
}

export class WaitingPlaces {
  /** Channels Asterisk reported in a room's live bridge (and not yet out of it): id -> room. */
  private readonly inLive = new Map<string, string>();
  /** Waiting callers standing in their room's live bridge: id -> room. */
  private readonly held = new Map<string, string>();

  /** Asterisk's report as the machines take it: a held channel's moves on the live bridge are "hold". */
  classify(event: PlaceEvent): PlaceEvent {
    if (event.told === true || event.bridge !== 'live') return event;
    if (event.type === 'bridge.entered') this.inLive.set(event.channelId, event.room);
    else this.inLive.delete(event.channelId);
    if (this.held.get(event.channelId) !== event.room) return event;
    if (event.type === 'bridge.left') this.held.delete(event.channelId);
    return { ...event, bridge: 'hold' };
  }

  /** Whether Asterisk has reported this channel in the room's live bridge. */
  standsIn(room: string, channelId: string): boolean {
    return this.inLive.get(channelId) === room;
  }

  isHeld(channelId: string): boolean {
    return this.held.has(channelId);
  }

  /** Holds these channels in the room's live bridge; the events to tell (for those already in it). */
  hold(room: string, channelIds: readonly string[]): PlaceEvent[] {
    const told: PlaceEvent[] = [];
    for (const channelId of channelIds) {
      if (this.held.get(channelId) === room) continue;
      this.held.set(channelId, room);
      if (this.standsIn(room, channelId)) told.push(...change(room, channelId, 'live', 'hold'));
    }
    return told;
  }

  /** Of these channels, the ones held in the room (now released), and the events to tell. */
  release(room: string, channelIds: readonly string[]): { released: string[]; told: PlaceEvent[] } {
    const released: string[] = [];
    const told: PlaceEvent[] = [];
    for (const channelId of channelIds) {
      if (this.held.get(channelId) !== room) continue;
      this.held.delete(channelId);
      released.push(channelId);
      if (this.standsIn(room, channelId)) told.push(...change(room, channelId, 'hold', 'live'));
    }
    return { released, told };
  }

  /** How many callers still wait in the room's live bridge. */
  heldIn(room: string): number {
    let n = 0;
    for (const r of this.held.values()) if (r === room) n++;
    return n;
  }

  /** The call is over (it may have ended before Asterisk reported it in the bridge). */
  forgetChannel(channelId: string): void {
    this.held.delete(channelId);
    this.inLive.delete(channelId);
  }

  /** The room is gone (its bridges destroyed): nothing of it is kept. */
  forgetRoom(room: string): void {
    for (const [id, r] of this.held) if (r === room) this.held.delete(id);
    for (const [id, r] of this.inLive) if (r === room) this.inLive.delete(id);
  }

  /**
   * After a resync, Asterisk's word: who stands in which live bridge, and who of them waits
   * (rooms marked waiting, ari-snapshot.ts). A channel this process held and still in its live
   * bridge stays held (its room's mark may not be written yet).
   */
  know(inLive: ReadonlyMap<string, string>, held: ReadonlyMap<string, string>): void {
    const keep = [...this.held].filter(([id, room]) => inLive.get(id) === room);
    this.inLive.clear();
    this.held.clear();
    for (const [id, room] of inLive) this.inLive.set(id, room);
    for (const [id, room] of [...keep, ...held]) if (inLive.get(id) === room) this.held.set(id, room);
  }
}

function change(room: string, channelId: string, from: BridgeKind, to: BridgeKind): PlaceEvent[] {
  return [
    { type: 'bridge.left', channelId, room, bridge: from, told: true },
    { type: 'bridge.entered', channelId, room, bridge: to, told: true },
  ];
}
