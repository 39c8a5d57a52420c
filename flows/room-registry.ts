// Keeps one room machine per active room and runs the bridge operations it asks for one at
// a time, in the order asked, so that Asterisk's bridges always follow the machine. A room
// that empties is forgotten once its last operation (destroying its bridges) has run.
import { createActor, type Actor, type ActorOptions, type AnyActorLogic } from 'xstate';
import type { Logger } from 'pino';
import type { RoomMembership } from './call-machine.js';
import type { BridgeKind, ConferenceBridges, Role, RoomInfo } from './ports.js';
import { createRoomMachine, type RoomEffect, type RoomMembers } from './room-machine.js';

type RoomActor = Actor<ReturnType<typeof createRoomMachine>>;
type TimerClock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;

export interface RoomRegistryOptions {
  /** TOLLBRIDGE_MAX_ALONE_S in ms (0: no limit). */
  aloneMs?: number;
  /** xstate's clock for the rooms' timers (tests pass a SimulatedClock). */
  timers?: TimerClock;
}

interface ActiveRoom {
  actor: RoomActor;
  /** The tail of this room's queue of bridge operations. */
  tail: Promise<void>;
  queued: number;
}

export class RoomRegistry implements RoomMembership {
  private readonly rooms = new Map<string, ActiveRoom>();
  /** Operations on rooms without a machine, in order. */
  private detached: Promise<void> = Promise.resolve();

  constructor(
    private readonly bridges: ConferenceBridges,
    private readonly log: Logger,
    private readonly options: RoomRegistryOptions = {},
  ) {}

  join(room: RoomInfo, channelId: string, role: Role): void {
    this.roomFor(room).actor.send({ type: 'JOIN', channelId, role, room });
  }

  /**
   * Rebuilds a room this process does not know from who Asterisk has in its bridges (after a
   * restart). The room machine then applies its policy as after a departure (a room whose
   * moderator left meanwhile ends or goes back to hold); bridges left with nobody are released.
   */
  restore(room: RoomInfo, members: RoomMembers): void {
    if (this.rooms.has(room.number)) return;
    if (members.moderators.length + members.live.length + members.waiting.length === 0) {
      this.enqueueDetached(room.number, { op: 'release' });
      return;
    }
    this.roomFor(room, members);
  }

  leave(roomNumber: string, channelId: string): void {
    this.rooms.get(roomNumber)?.actor.send({ type: 'LEAVE', channelId });
  }

  /** The caller's move did not land: do it again (its call's placement watch asks). */
  replace(roomNumber: string, channelId: string): void {
    this.rooms.get(roomNumber)?.actor.send({ type: 'REPLACE', channelId });
  }

  /** Asterisk reports a channel entering or leaving one of the room's bridges. */
  bridgeEvent(roomNumber: string, channelId: string, bridge: BridgeKind, entered: boolean): void {
    this.rooms.get(roomNumber)?.actor.send({ type: entered ? 'BRIDGE_ENTERED' : 'BRIDGE_LEFT', channelId, bridge });
  }

  /** Who is where, as the machine sees it (for tests, diagnostics and the API). */
  snapshot(roomNumber: string): { state: string; moderators: string[]; live: string[]; waiting: string[] } | null {
    const active = this.rooms.get(roomNumber);
    if (active === undefined) return null;
    const snap = active.actor.getSnapshot();
    const { moderators, live, waiting } = snap.context;
    return { state: String(snap.value), moderators, live, waiting };
  }

  /** Channels that are a moderator in some room. */
  moderators(): Set<string> {
    return new Set([...this.rooms.values()].flatMap((r) => r.actor.getSnapshot().context.moderators));
  }

  get activeRooms(): number {
    return this.rooms.size;
  }

  /** Resolves when every queued bridge operation has run (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...[...this.rooms.values()].map((r) => r.tail), this.detached]);
  }

  private roomFor(room: RoomInfo, restore?: RoomMembers): ActiveRoom {
    const existing = this.rooms.get(room.number);
    if (existing !== undefined) return existing;
    // Effects are looked up by room number: an entry is only replaced after its actor stopped.
    const input = restore === undefined ? { room } : { room, restore };
    const machine = createRoomMachine((effect) => this.enqueue(room.number, effect), this.options.aloneMs ?? 0);
    const actor = createActor(machine, { input, ...(this.options.timers === undefined ? {} : { clock: this.options.timers }) });
    const active: ActiveRoom = { actor, tail: Promise.resolve(), queued: 0 };
    this.rooms.set(room.number, active);
    active.actor.start();
    return active;
  }

  /** A bridge operation for a room with no machine (its leftover bridges after a restart). */
  private enqueueDetached(roomNumber: string, effect: RoomEffect): void {
    this.detached = this.detached
      .then(() => this.apply(roomNumber, effect))
      .catch((err: unknown) => this.log.warn({ err, room: roomNumber, op: effect.op }, 'bridge operation failed'));
  }

  private enqueue(roomNumber: string, effect: RoomEffect): void {
    const active = this.rooms.get(roomNumber);
    if (active === undefined) return;
    active.queued++;
    active.tail = active.tail
      .then(() => this.apply(roomNumber, effect))
      .catch((err: unknown) => this.log.warn({ err, room: roomNumber, op: effect.op }, 'bridge operation failed'))
      .finally(() => {
        active.queued--;
        this.forgetIfIdle(roomNumber, active);
      });
  }

  private apply(room: string, effect: RoomEffect): Promise<void> {
    switch (effect.op) {
      case 'admitLive':
        return this.bridges.admitLive(room, effect.channelIds);
      case 'hold':
        return this.bridges.hold(room, effect.channelIds, effect.prompt);
      case 'dismiss':
        return this.bridges.dismiss(effect.channelIds, effect.prompt, effect.reason);
      case 'release':
        return this.bridges.release(room);
    }
  }

  private forgetIfIdle(roomNumber: string, active: ActiveRoom): void {
    if (active.queued > 0 || this.rooms.get(roomNumber) !== active) return;
    const snap = active.actor.getSnapshot();
    const { moderators, live, waiting } = snap.context;
    if (snap.value === 'idle' && moderators.length + live.length + waiting.length === 0) {
      active.actor.stop();
      this.rooms.delete(roomNumber);
    }
  }
}
