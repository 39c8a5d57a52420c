// Routes what Asterisk says about calls to one call machine per channel: a Map lookup per
// event, so the cost of an event does not grow with the number of calls.
import { createActor, type Actor, type ActorOptions, type AnyActorLogic } from 'xstate';

type TimerClock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;
import type { Logger } from 'pino';
import { callSettings, createCallMachine, type CallDeps, type CallOutcome, type CallResume } from './call-machine.js';
import type { CallMachineInput, CallSettings } from './call/types.js';
import type { BridgeKind } from '../domain/call-events.js';
import type { LegEndReason } from '../domain/legs.js';
import { NO_CALL_OBSERVER, type CallObserver } from './call-observer.js';
import { callStep, noCalls, type CallStepCounts } from './call-steps.js';

type CallActor = Actor<ReturnType<typeof createCallMachine>>;

export interface CallStart {
  channelId: string;
  /** The dialled number as the dialplan passed it (digits, without '+'). */
  dialled: string;
  callerNumber: string | null;
  /** An answered callback: the booking it claims (app/calls/callbacks.ts). */
  callbackId?: string;
}

export class CallRouter {
  private readonly calls = new Map<string, CallActor>();
  private readonly machine: ReturnType<typeof createCallMachine>;
  private readonly settings: CallSettings;
  private readonly log: Logger;
  private readonly observer: CallObserver;
  private idleWaiters: Array<() => void> = [];
  private accepting = true;

  constructor(
    deps: CallDeps,
    private readonly options: { onFinished?: (channelId: string, outcome: CallOutcome) => void; timers?: TimerClock } = {},
  ) {
    this.machine = createCallMachine({ ...deps, admission: { accepting: () => this.accepting } });
    this.settings = callSettings(deps);
    this.log = deps.log;
    this.observer = deps.observer ?? NO_CALL_OBSERVER;
  }

  callStarted(start: CallStart): void {
    this.spawn(start);
  }

  /** Picks up an answered call after a restart or reconnect, at the step it stood at. */
  callResumed(start: CallStart, resume: CallResume): void {
    this.spawn(start, resume);
  }

  /** Whether a call machine runs for this channel. */
  has(channelId: string): boolean {
    return this.calls.has(channelId);
  }

  /** The channels with a call machine running. */
  channelIds(): string[] {
    return [...this.calls.keys()];
  }

  private spawn(start: CallStart, resume?: CallResume): void {
    if (this.calls.has(start.channelId)) return;
    const dialled = start.dialled.startsWith('+') ? start.dialled : `+${start.dialled}`;
    const input: CallMachineInput = {
      channelId: start.channelId, dialled, callerNumber: start.callerNumber, settings: this.settings,
      ...(resume === undefined ? {} : { resume }), ...(start.callbackId === undefined ? {} : { callbackId: start.callbackId }),
    };
    const actor = createActor(this.machine, {
      input,
      ...(this.options.timers === undefined ? {} : { clock: this.options.timers }),
    });
    this.calls.set(start.channelId, actor);
    actor.subscribe({
      complete: () => {
        this.calls.delete(start.channelId);
        const output = actor.getSnapshot().output;
        this.observer.finished(start.channelId, output?.outcome ?? 'error');
        this.options.onFinished?.(start.channelId, output?.outcome ?? 'error');
        if (this.calls.size === 0) this.wakeIdleWaiters();
      },
      error: (err: unknown) => {
        this.log.error({ err, channelId: start.channelId }, 'call machine failed');
        this.calls.delete(start.channelId);
        this.observer.finished(start.channelId, 'error');
        if (this.calls.size === 0) this.wakeIdleWaiters();
      },
    });
    actor.start();
  }

  digit(channelId: string, digit: string): void {
    this.calls.get(channelId)?.send({ type: 'DTMF', digit });
  }

  /** The channel is gone; `reason` is why, as far as the edge knows (default: the caller hung up). */
  callEnded(channelId: string, at: number, reason?: LegEndReason): void {
    this.calls.get(channelId)?.send(reason === undefined ? { type: 'HANGUP', at } : { type: 'HANGUP', at, reason });
  }

  /** The room ended the caller's stay (it says the goodbye and hangs up): the leg's end reason, unless the call decided one first. */
  dismissed(channelId: string, reason: LegEndReason): void {
    this.calls.get(channelId)?.send({ type: 'DISMISSED', reason });
  }

  /** Asterisk reports the caller entering or leaving one of its room's bridges. */
  bridgeEvent(channelId: string, bridge: BridgeKind, entered: boolean): void {
    this.calls.get(channelId)?.send({ type: entered ? 'BRIDGE_ENTERED' : 'BRIDGE_LEFT', bridge });
  }

  /** A graceful stop begins: from now on every new call is refused before answer (SIP 503). */
  stopAccepting(): void {
    this.accepting = false;
  }

  get isAccepting(): boolean {
    return this.accepting;
  }

  /** The drain limit passed: every answered call hears goodbye and is hung up, its leg closed. */
  endAll(): void {
    for (const actor of this.calls.values()) actor.send({ type: 'SHUTDOWN' });
  }

  /**
   * A hand-over to the next start: every call machine stops where it stands, with no effect on
   * its call (the calls stay up in Asterisk; the next start rebuilds them). Their timers (the
   * maximum leg, the IVR's) would otherwise keep this process alive for hours.
   */
  forgetAll(): void {
    const actors = [...this.calls.values()];
    this.calls.clear();
    for (const actor of actors) actor.stop();
  }

  get activeCalls(): number {
    return this.calls.size;
  }

  /** How many calls stand at each step now: read when asked (a metrics scrape), never counted per event. */
  steps(): CallStepCounts {
    const counts = noCalls();
    for (const actor of this.calls.values()) {
      const snapshot = actor.getSnapshot();
      const watch = snapshot.children.placementWatch?.getSnapshot();
      counts[callStep(snapshot.value, watch !== undefined && 'value' in watch ? watch.value : undefined)]++;
    }
    return counts;
  }

  /** Resolves when no call is in progress (graceful shutdown drains calls). */
  idle(): Promise<void> {
    if (this.calls.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
