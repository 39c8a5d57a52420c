// Routes what Asterisk says about calls to one call machine per channel: a Map lookup per
// event, so the cost of an event does not grow with the number of calls.
import { createActor, type Actor, type ActorOptions, type AnyActorLogic } from 'xstate';

type TimerClock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;
import type { Logger } from 'pino';
import { createCallMachine, type CallDeps, type CallOutcome } from './call-machine.js';
import type { BridgeKind, LegEndReason } from './ports.js';

type CallActor = Actor<ReturnType<typeof createCallMachine>>;

export interface CallStart {
  channelId: string;
  /** The dialled number as the dialplan passed it (digits, without '+'). */
  dialled: string;
  callerNumber: string | null;
}

export class CallRouter {
  private readonly calls = new Map<string, CallActor>();
  private readonly machine: ReturnType<typeof createCallMachine>;
  private readonly log: Logger;
  private idleWaiters: Array<() => void> = [];

  constructor(
    deps: CallDeps,
    private readonly options: { onFinished?: (channelId: string, outcome: CallOutcome) => void; timers?: TimerClock } = {},
  ) {
    this.machine = createCallMachine(deps);
    this.log = deps.log;
  }

  callStarted(start: CallStart): void {
    if (this.calls.has(start.channelId)) return;
    const dialled = start.dialled.startsWith('+') ? start.dialled : `+${start.dialled}`;
    const actor = createActor(this.machine, {
      input: { channelId: start.channelId, dialled, callerNumber: start.callerNumber },
      ...(this.options.timers === undefined ? {} : { clock: this.options.timers }),
    });
    this.calls.set(start.channelId, actor);
    actor.subscribe({
      complete: () => {
        this.calls.delete(start.channelId);
        const output = actor.getSnapshot().output;
        this.options.onFinished?.(start.channelId, output?.outcome ?? 'error');
        if (this.calls.size === 0) this.wakeIdleWaiters();
      },
      error: (err: unknown) => {
        this.log.error({ err, channelId: start.channelId }, 'call machine failed');
        this.calls.delete(start.channelId);
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

  /** Asterisk reports the caller entering or leaving one of its room's bridges. */
  bridgeEvent(channelId: string, bridge: BridgeKind, entered: boolean): void {
    this.calls.get(channelId)?.send({ type: entered ? 'BRIDGE_ENTERED' : 'BRIDGE_LEFT', bridge });
  }

  get activeCalls(): number {
    return this.calls.size;
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
