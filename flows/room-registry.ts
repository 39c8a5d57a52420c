// Keeps one room machine per active room and runs the bridge operations it asks for in the
// order asked, so that Asterisk's bridges always follow the machine. Moves into the same
// bridge that follow each other run side by side: their order does not matter, Asterisk runs
// each on its own channel's thread, and one at a time queued every caller behind all the
// others' round trips (120 callers at 10 a second into one room: p95 2.4 s from '#' to the
// request). Anything else waits for the moves before it, and they for it. A room that
// empties is forgotten once its last operation (destroying its bridges) has run.
// In-call controls (keys, the owner's API) are sent to the room's machine as its events; what
// the machine tells (joins, leaves, mutes, talking) reaches whoever watches the room.
import { createActor, type Actor, type ActorOptions, type AnyActorLogic } from 'xstate';
import type { Logger } from 'pino';
import type { JoinDetails, RoomMembership } from './call-machine.js';
import type { ConferenceBridges, RoomAnnouncer, RoomControlsState, RoomInfo, RoomMarks } from './ports.js';
import type { BridgeKind } from '../domain/call-events.js';
import type { Role } from '../domain/roles.js';
import { noRecording, type RecordingControl } from './recording-control.js';
import { NO_MEMBER_CHANNELS, type LiveRoom, type MemberChannels, type RoomControl, type RoomNews } from './room-controls.js';
import { createRoomMachine, isMember, type RoomEffect, type RoomMembers } from './room-machine.js';

type RoomActor = Actor<ReturnType<typeof createRoomMachine>>;
type TimerClock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;

export interface RoomRegistryOptions {
  /** TOLLBRIDGE_MAX_ALONE_S in ms (0: no limit). */
  aloneMs?: number;
  /** xstate's clock for the rooms' timers (tests pass a SimulatedClock). */
  timers?: TimerClock;
  /** Mute and prompts for callers in a room (in-call controls); default: none. */
  members?: MemberChannels;
  /** Starts and stops a room's recording (key 6, the API); default noRecording. */
  recording?: RecordingControl;
  /** Epoch ms (the live view's "joined at"); default Date.now. */
  now?: () => number;
  /** Plays the rooms' tones, names, counts and music; absent: they are not played. */
  announcer?: RoomAnnouncer;
  /** How long one bridge operation may hold up the room's queue (default 20 s; see attempt()). */
  operationGuardMs?: number;
  /** Where each room's lock and mute-all are kept for a restarted app; absent: nowhere. */
  marks?: RoomMarks;
}

/** Longer than any operation that answers: a dismissal waits up to 10 s for its prompt's end. */
const OPERATION_GUARD_MS = 20_000;

export type RoomWatcher = (news: RoomNews) => void;

/** Moves that may run side by side: into the same bridge, with the same prompt. */
function sameMove(a: RoomEffect, b: RoomEffect): boolean {
  if (a.op === 'admitLive') return b.op === 'admitLive';
  return a.op === 'hold' && b.op === 'hold' && a.prompt === b.prompt;
}

interface ActiveRoom {
  actor: RoomActor;
  /** Bridge operations waiting their turn, in order. */
  pending: RoomEffect[];
  /** The run of this room's operations in progress (settled when idle). */
  tail: Promise<void>;
  running: boolean;
  /** Moves running side by side now (all like `kind`), which a like move may join at once. */
  batch: { kind: RoomEffect; inFlight: Set<Promise<void>> } | null;
}

export class RoomRegistry implements RoomMembership {
  private readonly rooms = new Map<string, ActiveRoom>();
  /** Operations on rooms without a machine, in order. */
  private detached: Promise<void> = Promise.resolve();
  /** The room of each member (talk detection reports a channel, not its room). */
  private readonly roomOfMember = new Map<string, string>();
  /** Who watches which room (the owner's event stream), whether or not it is active now. */
  private readonly watchers = new Map<string, Set<RoomWatcher>>();

  constructor(
    private readonly bridges: ConferenceBridges,
    private readonly log: Logger,
    private readonly options: RoomRegistryOptions = {},
  ) {}

  join(room: RoomInfo, channelId: string, role: Role, who: JoinDetails = {}): void {
    const { callerNumber = null, name } = who;
    this.roomFor(room).actor.send({ type: 'JOIN', channelId, role, room, callerNumber, at: (this.options.now ?? Date.now)(), ...(name === undefined ? {} : { name }) });
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
    const snap = active.actor.getSnapshot();
    const c = snap.context;
    const member = (channelId: string, role: Role, where: 'live' | 'waiting') => ({
      channelId,
      callerNumber: c.details[channelId]?.callerNumber ?? null,
      role,
      joinedAt: c.details[channelId]?.joinedAt ?? null,
      where,
      muted: c.selfMuted.includes(channelId) || (c.mutedAll && role === 'participant'),
      talking: c.talking.includes(channelId),
    });
    return {
      room: roomNumber,
      state: String(snap.value),
      locked: c.lockedNow || c.locked,
      mutedAll: c.mutedAll,
      recording: (this.options.recording ?? noRecording).isRecording(roomNumber),
      members: [
        ...c.moderators.map((id) => member(id, 'moderator', 'live')),
        ...c.live.map((id) => member(id, 'participant', 'live')),
        ...c.waiting.map((id) => member(id, 'participant', 'waiting')),
      ],
    };
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

  /** A hand-over: every room machine stops (and its timers with it); Asterisk keeps the bridges. */
  forgetAll(): void {
    const rooms = [...this.rooms.values()];
    this.rooms.clear();
    this.roomOfMember.clear();
    for (const room of rooms) room.actor.stop();
  }

  get activeRooms(): number {
    return this.rooms.size;
  }

  /** Bridge operations waiting their turn or running now, over every room (GET /metrics). */
  operationsQueued(): number {
    let queued = 0;
    for (const room of this.rooms.values()) queued += room.pending.length + (room.batch?.inFlight.size ?? (room.running ? 1 : 0));
    return queued;
  }

  /** Resolves when every queued bridge operation has run (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...[...this.rooms.values()].map((r) => r.tail), this.detached]);
  }

  private roomFor(room: RoomInfo, restore?: RoomMembers, controls?: RoomControlsState): ActiveRoom {
    const existing = this.rooms.get(room.number);
    if (existing !== undefined) return existing;
    // Effects are looked up by room number: an entry is only replaced after its actor stopped.
    const input = { room, aloneMs: this.options.aloneMs ?? 0, ...(restore === undefined ? {} : { restore }), ...(controls === undefined ? {} : { controls }) };
    const machine = createRoomMachine((effect) => this.enqueue(room.number, this.recordDecided(room.number, effect)));
    const actor = createActor(machine, { input, ...(this.options.timers === undefined ? {} : { clock: this.options.timers }) });
    const active: ActiveRoom = { actor, pending: [], tail: Promise.resolve(), running: false, batch: null };
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
      .then(() => this.apply(roomNumber, effect))
      .catch((err: unknown) => this.log.warn({ err, room: roomNumber, op: effect.op }, 'bridge operation failed'));
  }

  private enqueue(roomNumber: string, effect: RoomEffect): void {
    const active = this.rooms.get(roomNumber);
    if (active === undefined) return;
    if (active.batch !== null && active.pending.length === 0 && sameMove(active.batch.kind, effect)) {
      this.startInBatch(roomNumber, active.batch, effect);
      return;
    }
    active.pending.push(effect);
    if (active.running) return;
    active.running = true;
    active.tail = Promise.resolve().then(() => this.run(roomNumber, active));
  }

  private async run(roomNumber: string, active: ActiveRoom): Promise<void> {
    for (let effect = active.pending.shift(); effect !== undefined; effect = active.pending.shift()) {
      if (effect.op !== 'admitLive' && effect.op !== 'hold') {
        await this.attempt(roomNumber, effect);
        continue;
      }
      const batch = { kind: effect, inFlight: new Set<Promise<void>>() };
      active.batch = batch;
      this.startInBatch(roomNumber, batch, effect);
      for (let next = active.pending[0]; next !== undefined && sameMove(effect, next); next = active.pending[0]) {
        active.pending.shift();
        this.startInBatch(roomNumber, batch, next);
      }
      // Like moves asked for meanwhile join the batch; the next other operation waits for all.
      while (batch.inFlight.size > 0) await Promise.race(batch.inFlight);
      active.batch = null;
    }
    active.running = false;
    this.forgetIfIdle(roomNumber, active);
  }

  private startInBatch(roomNumber: string, batch: { inFlight: Set<Promise<void>> }, effect: RoomEffect): void {
    const done: Promise<void> = this.attempt(roomNumber, effect).finally(() => batch.inFlight.delete(done));
    batch.inFlight.add(done);
  }

  /**
   * Runs one operation; the room's queue waits for it, but not for ever: a request that never
   * settles (ari-client's, caught by a cut of the ARI connection) would otherwise leave the
   * room deaf to every later departure and move (callers never sent back to hold, a room never
   * released). After the guard the queue goes on; the late answer, if any, is only logged.
   */
  private attempt(roomNumber: string, effect: RoomEffect): Promise<void> {
    const done = this.apply(roomNumber, effect).catch((err: unknown) => this.log.warn({ err, room: roomNumber, op: effect.op }, 'bridge operation failed'));
    const clock: TimerClock = this.options.timers ?? { setTimeout, clearTimeout };
    let timer: unknown;
    const guard = new Promise<void>((resolve) => {
      timer = clock.setTimeout(() => {
        this.log.warn({ room: roomNumber, op: effect.op, afterMs: this.options.operationGuardMs ?? OPERATION_GUARD_MS }, 'bridge operation unanswered: the room goes on without it');
        resolve();
      }, this.options.operationGuardMs ?? OPERATION_GUARD_MS);
    });
    return Promise.race([done, guard]).finally(() => clock.clearTimeout(timer));
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
      case 'mute':
        return (this.options.members ?? NO_MEMBER_CHANNELS).mute(effect.channelIds, effect.muted);
      case 'tell':
        return (this.options.members ?? NO_MEMBER_CHANNELS).tell(effect.channelIds, effect.media);
      case 'record':
        return this.record(room, effect.on, effect.by);
      case 'announce':
        return this.options.announcer?.announce(room, effect.sounds, effect.language) ?? Promise.resolve();
      case 'greet':
        return this.options.announcer?.tell(effect.channelId, effect.sounds) ?? Promise.resolve();
      case 'music':
        return this.options.announcer?.music(room, effect.on) ?? Promise.resolve();
      case 'forgetName':
        return this.options.announcer?.forgetName(effect.name) ?? Promise.resolve();
    }
  }

  /**
   * A recording's start or stop is decided when asked, not when the queue reaches it: the room
   * counts as recording from then on, so a caller entering meanwhile hears the notice (and is
   * asked to consent) rather than being recorded unasked.
   */
  private recordDecided(room: string, effect: RoomEffect): RoomEffect {
    if (effect.op !== 'record') return effect;
    const recording = this.options.recording ?? noRecording;
    const on = effect.on === 'toggle' ? !recording.isRecording(room) : effect.on;
    if (on) recording.ask?.(room);
    return { ...effect, on };
  }

  private async record(room: string, on: boolean | 'toggle', by: string): Promise<void> {
    const recording = this.options.recording ?? noRecording;
    const start = on === 'toggle' ? !recording.isRecording(room) : on;
    const changed = start ? await recording.start(room, by) : await recording.stop(room, by);
    this.log.info({ room, recording: start, changed, by }, start ? 'recording asked to start' : 'recording asked to stop');
  }

  private forgetIfIdle(roomNumber: string, active: ActiveRoom): void {
    if (active.running || active.pending.length > 0 || this.rooms.get(roomNumber) !== active) return;
    const snap = active.actor.getSnapshot();
    const { moderators, live, waiting } = snap.context;
    if (snap.value === 'idle' && moderators.length + live.length + waiting.length === 0) {
      active.actor.stop();
      this.rooms.delete(roomNumber);
    }
  }
}
