// Music on hold in a room's live bridge (POST/DELETE /bridges/{id}/moh), for two reasons: the
// callers waiting for the moderator stand in it (ari-conference.ts), and a lone caller in the
// conference may hear it (ari-announcer.ts). While callers wait, the music is theirs: the
// announcer's on and off change nothing (a waiting caller leaving an open room's last caller must
// not silence the others). Requests for one room go one at a time, in the order asked.
import type { Logger } from 'pino';
import type { AriClientSource } from './ari-client-source.js';
import { liveBridgeId } from './room-bridge-ids.js';
import { PerRoomOrder } from './per-room-order.js';

export class LiveMusic {
  /** Rooms whose waiting callers stand in the live bridge. */
  private readonly waiting = new Set<string>();
  private readonly requests = new PerRoomOrder();

  constructor(
    private readonly ari: AriClientSource,
    private readonly log: Logger,
  ) {}

  /** For the waiting callers: resolves once Asterisk has started or stopped it. */
  forWaiting(room: string, on: boolean): Promise<void> {
    return this.requests.runOnChange(this.waiting, room, on, () => this.ask(room, on), (err) => this.unchanged(err, room, on));
  }

  /** For a lone caller in the conference (the announcer); nothing while callers wait. */
  forAlone(room: string, on: boolean): Promise<void> {
    if (this.waiting.has(room)) return Promise.resolve();
    return this.requests.run(room, () => this.ask(room, on), (err) => this.unchanged(err, room, on));
  }

  /** After a resync: the rooms whose callers wait (their music plays on in Asterisk). */
  knowWaiting(rooms: Iterable<string>): void {
    this.waiting.clear();
    for (const room of rooms) this.waiting.add(room);
  }

  /** The room's bridges are gone, and its music with them. */
  forget(room: string): void {
    this.waiting.delete(room);
  }

  private ask(room: string, on: boolean): Promise<void> {
    const bridgeId = liveBridgeId(room);
    return on ? this.ari.client.bridges.startMoh({ bridgeId, mohClass: 'default' }) : this.ari.client.bridges.stopMoh({ bridgeId });
  }

  private unchanged(err: unknown, room: string, on: boolean): void {
    this.log.debug({ err, room, on }, 'music on hold in the conference not changed (bridge gone?)');
  }
}
