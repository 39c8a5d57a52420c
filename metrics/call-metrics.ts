// The callers' side of GET /metrics: live calls by step and live rooms (read from the machines
// at scrape time), entry failures, locks and outcomes (plain counts on the hot path), and the
// join time: from the '#' that ends a PIN to Asterisk reporting the caller in the room's bridge
// (the bench's '#' -> in, bench/join.ts, seen from the app: both events as they reach it).
import { Gauge, Histogram, type Registry } from 'prom-client';
import type { CallObserver, EntryFailure } from '../flows/call-observer.js';
import type { CallOutcome } from '../flows/call-machine.js';
import { CALL_STEPS, type CallStepCounts } from '../flows/call-steps.js';
import type { BridgeKind } from '../domain/call-events.js';
import { Count, Tally } from './tally.js';

/** 1 ms to 1 s: a join on an idle bridge takes a few ms; over a second a caller notices. */
export const JOIN_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1];

const ENTRY_FAILURES: readonly EntryFailure[] = ['invalid', 'no-input'];
const OUTCOMES: readonly CallOutcome[] = ['rejected', 'refused', 'busy', 'joined', 'failed-room', 'failed-pin', 'locked-out', 'spend-cap', 'abandoned', 'error'];
export type PinLockScope = 'room' | 'caller';

/** What a scrape reads of the calls and rooms. */
export interface CallsView {
  callSteps(): CallStepCounts;
  liveRooms(): number;
}

export class CallMetrics implements CallObserver {
  private view: CallsView | null = null;
  private readonly roomNumberFailures: Tally<EntryFailure>;
  private readonly pinFailures: Tally<EntryFailure>;
  private readonly pinLocks: Tally<PinLockScope>;
  private readonly lockedOutCalls: Count;
  private readonly outcomes: Tally<CallOutcome>;
  /** When each caller's PIN entry ended (performance.now), until it is placed or gone. */
  private readonly joinStarts = new Map<string, number>();
  private readonly joinSeconds: Record<BridgeKind, { observe(seconds: number): void }>;

  constructor(registry: Registry) {
    const view = () => this.view;
    new Gauge({
      name: 'tollbridge_live_calls',
      help: 'Calls with a call machine in this process, by step (admission: before answer; farewell: hearing goodbye; closing: leg being closed)',
      labelNames: ['step'],
      registers: [registry],
      collect() {
        const counts = view()?.callSteps();
        for (const step of CALL_STEPS) this.set({ step }, counts?.[step] ?? 0);
      },
    });
    new Gauge({
      name: 'tollbridge_live_rooms',
      help: 'Rooms with a room machine in this process (someone in them, or their bridges being released)',
      registers: [registry],
      collect() {
        this.set(view()?.liveRooms() ?? 0);
      },
    });
    this.roomNumberFailures = new Tally(registry, 'tollbridge_room_number_failures_total', 'Room number entries that failed: unknown or mistyped (invalid) or nothing typed in time (no-input)', 'reason', ENTRY_FAILURES);
    this.pinFailures = new Tally(registry, 'tollbridge_pin_failures_total', 'PIN entries that failed: wrong PIN (invalid) or nothing typed in time (no-input)', 'reason', ENTRY_FAILURES);
    this.pinLocks = new Tally(registry, 'tollbridge_pin_locks_total', 'PIN locks begun by wrong PINs counted in this process: a room\'s PIN kind (room) or a calling number (caller)', 'scope', ['room', 'caller']);
    this.lockedOutCalls = new Count(registry, 'tollbridge_calls_locked_out_total', 'Callers turned away because PIN entry was locked for them or their room');
    this.outcomes = new Tally(registry, 'tollbridge_calls_finished_total', 'Calls ended, by how they ended', 'outcome', OUTCOMES);
    const join = new Histogram({
      name: 'tollbridge_join_seconds',
      help: "From the '#' that ends the PIN to Asterisk reporting the caller in the room's bridge (live: the conference; hold: waiting for the moderator)",
      labelNames: ['bridge'],
      buckets: JOIN_BUCKETS,
      registers: [registry],
    });
    join.zero({ bridge: 'live' });
    join.zero({ bridge: 'hold' });
    this.joinSeconds = { live: join.labels('live'), hold: join.labels('hold') };
  }

  /** The running bridge's calls and rooms, read at each scrape. */
  watch(view: CallsView): void {
    this.view = view;
  }

  pinEntered(channelId: string): void {
    this.joinStarts.set(channelId, performance.now());
  }

  placed(channelId: string, bridge: BridgeKind): void {
    const started = this.joinStarts.get(channelId);
    if (started === undefined) return; // a later move (hold -> live), or a caller resumed after a restart
    this.joinStarts.delete(channelId);
    this.joinSeconds[bridge].observe((performance.now() - started) / 1000);
  }

  roomNumberFailed(reason: EntryFailure): void {
    this.roomNumberFailures.add(reason);
  }

  pinFailed(reason: EntryFailure): void {
    this.pinFailures.add(reason);
  }

  lockedOut(): void {
    this.lockedOutCalls.add();
  }

  /** A PIN lock began (app/calls/pin-guard.ts). */
  pinLocked(scope: PinLockScope): void {
    this.pinLocks.add(scope);
  }

  finished(channelId: string, outcome: CallOutcome): void {
    this.joinStarts.delete(channelId);
    this.outcomes.add(outcome);
  }
}
