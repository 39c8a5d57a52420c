// Keeps one room machine per active room, each with its queue of the bridge operations it asks
// for (room-queue.ts: run in the order asked, so that Asterisk's bridges always follow the
// machine; room-operations.ts: what each does). A room is made on its first caller or rebuilt
// after a restart (restore), and forgotten once it is empty and its last operation (destroying
// its bridges) has run.
// In-call controls (keys, the owner's API) are sent to the room's machine as its events; what
// the machine tells (joins, leaves, mutes, talking) reaches whoever watches the room.
import type { CallbackPolicy } from '../domain/callback.js';
import { createActor, type Actor } from 'xstate';
import type { Logger } from 'pino';
import type { JoinDetails, RoomMembership } from './call-machine.js';
import type { ConferenceBridges, RoomControlsState, RoomInfo, RoomMarks } from './ports.js';
import type { BridgeKind } from '../domain/call-events.js';
import type { Role } from '../domain/roles.js';
import { noRecording } from './recording-control.js';
import type { LiveRoom, RoomControl, RoomNews } from './room-controls.js';
import { isMember, type RoomEffect, type RoomMembers } from './room-context.js';
import { createRoomMachine } from './room-machine.js';
import { RoomOperations, type RoomOperationPorts } from './room-operations.js';
import { RoomQueue, type TimerClock } from './room-queue.js';
import { liveRoom } from './room-view.js';

type RoomActor = Actor<ReturnType<typeof createRoomMachine>>;

export interface RoomRegistryOptions extends RoomOperationPorts {
  /** TOLLBRIDGE_MAX_ALONE_S in ms (0: no limit). */
  aloneMs?: number;
  /** xstate's clock for the rooms' timers (tests pass a SimulatedClock). */
  timers?: TimerClock;
  /** Epoch ms (the live view's "joined at"); default Date.now. */
  now?: () => number;
  /** How long one bridge operation may hold up the room's queue (default 20 s; see RoomQueue). */
  operationGuardMs?: number;
  /** Where each room's lock and mute-all are kept for a restarted app; absent: nowhere. */
  marks?: RoomMarks;
  /** Who may be called back (domain/callback.ts); absent: nobody (the desk, `callbacks`, dials them). */
  callbackPolicy?: CallbackPolicy;
}

export type RoomWatcher = (news: RoomNews) => void;

interface ActiveRoom {
  actor: RoomActor;
  queue: RoomQueue;
}

export class RoomRegistry implements RoomMembership {
  private readonly rooms = new Map<string, ActiveRoom>();
  /** Operations on rooms without a machine, in order. */
  private detached: Promise<void> = Promise.resolve();
  /** The room of each member (talk detection reports a channel, not its room). */
  private readonly roomOfMember = new Map<string, string>();
  /** Who watches which room (the owner's event stream), whether or not it is active now. */
  private readonly watchers = new Map<string, Set<RoomWatcher>>();
  private readonly operations: RoomOperations;

  constructor(
    bridges: ConferenceBridges,
    private readonly log: Logger,
    private readonly options: RoomRegistryOptions = {},
  ) {
    this.operations = new RoomOperations(bridges, log, options);
  }

  join(room: RoomInfo, channelId: string, role: Role, who: JoinDetails = {}): void {
    const { callerNumber = null, name, rejoin, dialled } = who;
    this.roomFor(room).actor.send({
      type: 'JOIN', channelId, role, room, callerNumber, at: (this.options.now ?? Date.now)(),
      ...(name === undefined ? {} : { name }), ...(rejoin === undefined ? {} : { rejoin }), ...(dialled === undefined ? {} : { dialled }),
    });
  }

  key(roomNumber: string, channelId: string, digit: string): void {
    this.rooms.get(roomNumber)?.actor.send({ type: 'KEY', channelId, digit });
  }

  /** A control from the owner's API; false when the room has nobody in it (nothing to control). */
  control(roomNumber: string, control: RoomControl): boolean {
    const active = this.rooms.get(roomNumber);
    if (active === undefined) return false;
    active.actor.send(control);
    return true;
  }

  /** Asterisk's talk detection on a member of some room. */
  talking(channelId: string, talking: boolean): void {
    const roomNumber = this.roomOfMember.get(channelId);
    if (roomNumber !== undefined) this.rooms.get(roomNumber)?.actor.send({ type: 'TALKING', channelId, talking });
  }

  /** The room's members as the owner's live view shows them; null when nobody is in it. */
  view(roomNumber: string): LiveRoom | null {
    const active = this.rooms.get(roomNumber);
    if (active === undefined) return null;
    return liveRoom(roomNumber, active.actor.getSnapshot(), (this.options.recording ?? noRecording).isRecording(roomNumber));
  }

  /** Hears the room's news until the returned function is called. */
  watch(roomNumber: string, watcher: RoomWatcher): () => void {
    const set = this.watchers.get(roomNumber) ?? new Set<RoomWatcher>();
    set.add(watcher);
    this.watchers.set(roomNumber, set);
    return () => {
      set.delete(watcher);
      if (set.size === 0 && this.watchers.get(roomNumber) === set) this.watchers.delete(roomNumber);
    };
  }

  private tell(roomNumber: string, news: RoomNews): void {
    for (const watcher of this.watchers.get(roomNumber) ?? []) {
      try {
        watcher(news);
      } catch (err) {
        this.log.warn({ err, room: roomNumber }, 'room watcher failed');
      }
    }
  }

  /**
   * Rebuilds a room this process does not know from who Asterisk has in its bridges (after a
   * restart). The room machine then applies its policy as after a departure (a room whose
   * moderator left meanwhile ends or goes back to hold); bridges left with nobody are released.
   * `controls`: the room's lock and mute-all as it marked them before the restart.
   */
  restore(room: RoomInfo, members: RoomMembers, controls?: RoomControlsState): void {
    if (this.rooms.has(room.number)) return;
    if (members.moderators.length + members.live.length + members.waiting.length === 0) {
      this.enqueueDetached(room.number, { op: 'release' });
      return;
    }
    this.roomFor(room, members, controls);
  }

  admitted(roomNumber: string, channelId: string): boolean {
    const active = this.rooms.get(roomNumber);
    return active !== undefined && isMember(active.actor.getSnapshot().context, channelId);
  }

  leave(roomNumber: string, channelId: string, dropped = false): void {
    this.rooms.get(roomNumber)?.actor.send({ type: 'LEAVE', channelId, ...(dropped ? { dropped } : {}) });
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

  /** A hand-over: every room machine stops (and its timers with it); Asterisk keeps the bridges. */
  forgetAll(): void {
    const rooms = [...this.rooms.values()];
    this.rooms.clear();
    this.roomOfMember.clear();
    for (const room of rooms) room.actor.stop();
  }

  /** The rooms with a machine in this process. */
  roomNumbers(): string[] {
    return [...this.rooms.keys()];
  }

  get activeRooms(): number {
    return this.rooms.size;
  }

  /** Bridge operations waiting their turn or running now, over every room (GET /metrics). */
  operationsQueued(): number {
    let queued = 0;
    for (const room of this.rooms.values()) queued += room.queue.size;
    return queued;
  }

  /** Resolves when every queued bridge operation has run (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...[...this.rooms.values()].map((r) => r.queue.settled()), this.detached]);
  }

  private roomFor(room: RoomInfo, restore?: RoomMembers, controls?: RoomControlsState): ActiveRoom {
    const existing = this.rooms.get(room.number);
    if (existing !== undefined) return existing;
    // Effects are looked up by room number: an entry is only replaced after its actor stopped.
    const input = { room, aloneMs: this.options.aloneMs ?? 0, ...(this.options.callbackPolicy === undefined ? {} : { callbacks: this.options.callbackPolicy }), ...(restore === undefined ? {} : { restore }), ...(controls === undefined ? {} : { controls }) };
    const machine = createRoomMachine((effect) => {
      // Bookings touch no bridge: they go to the desk at once, never waiting behind (or holding up) a move.
      if (effect.op === 'bookCallback' || effect.op === 'placeCallbacks') void this.operations.apply(room.number, effect);
      else this.enqueue(room.number, this.operations.decided(room.number, effect));
    });
    const actor = createActor(machine, { input, ...(this.options.timers === undefined ? {} : { clock: this.options.timers }) });
    const queue: RoomQueue = new RoomQueue(room.number, {
      apply: (roomNumber, effect) => this.operations.apply(roomNumber, effect),
      log: this.log,
      timers: this.options.timers,
      operationGuardMs: this.options.operationGuardMs,
      onIdle: () => this.forgetIfIdle(room.number, active),
    });
    const active: ActiveRoom = { actor, queue };
    this.rooms.set(room.number, active);
    for (const id of [...(restore?.moderators ?? []), ...(restore?.live ?? []), ...(restore?.waiting ?? [])]) this.roomOfMember.set(id, room.number);
    this.markControls(room.number, actor, controls);
    actor.on('*', (news) => {
      if (news.type === 'joined') this.roomOfMember.set(news.channelId, room.number);
      if (news.type === 'left') this.roomOfMember.delete(news.channelId);
      this.tell(room.number, news);
    });
    active.actor.start();
    return active;
  }

  /**
   * The room's lock and mute-all are written out (RoomMarks) whenever they change, so a
   * restarted app finds them; an empty room's cleared controls are written too.
   */
  private markControls(roomNumber: string, actor: RoomActor, initial: RoomControlsState | undefined): void {
    const marks = this.options.marks;
    if (marks === undefined) return;
    let last: RoomControlsState = initial ?? { lockedNow: false, mutedAll: false };
    actor.subscribe((snap) => {
      const { lockedNow, mutedAll } = snap.context;
      if (lockedNow === last.lockedNow && mutedAll === last.mutedAll) return;
      last = { lockedNow, mutedAll };
      marks.mark(roomNumber, last);
    });
  }

  /** A bridge operation for a room with no machine (its leftover bridges after a restart). */
  private enqueueDetached(roomNumber: string, effect: RoomEffect): void {
    this.detached = this.detached
      .then(() => this.operations.apply(roomNumber, effect))
      .catch((err: unknown) => this.log.warn({ err, room: roomNumber, op: effect.op }, 'bridge operation failed'));
  }

  private enqueue(roomNumber: string, effect: RoomEffect): void {
    this.rooms.get(roomNumber)?.queue.push(effect);
  }

  private forgetIfIdle(roomNumber: string, active: ActiveRoom): void {
    if (!active.queue.idle || this.rooms.get(roomNumber) !== active) return;
    const snap = active.actor.getSnapshot();
    const { moderators, live, waiting } = snap.context;
    if (snap.value === 'idle' && moderators.length + live.length + waiting.length === 0) {
      active.actor.stop();
      this.rooms.delete(roomNumber);
    }
  }
}
