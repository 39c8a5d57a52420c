// The composition root of the running bridge: Asterisk (started here when managed), the ARI
// session, the machines, and the ports they use. `tollbridge start` and the end-to-end tests
// both run exactly this.
import type { Logger } from 'pino';
import type { AsteriskConfig } from '../config/config.js';
import { LocalAsterisk } from '../asterisk/local-asterisk.js';
import { AriChannels } from '../bridge/ari-channels.js';
import { AriConference } from '../bridge/ari-conference.js';
import { AriSession } from '../bridge/ari-session.js';
import type { CallEvent } from '../bridge/ari-events.js';
import { CallRouter } from '../flows/call-router.js';
import type { Clock, Directory, UsageLedger } from '../flows/ports.js';
import { RoomRegistry } from '../flows/room-registry.js';
import { DEFAULT_IVR_TIMING, type IvrTiming } from '../ivr/timing.js';
import { STOP_END_GUARD_MS, STOP_PROMPT_GUARD_MS } from '../flows/call-machine.js';
import { reasonOf, ServiceUnavailableError } from './service-unavailable.js';

export interface BridgeAppOptions {
  asterisk: AsteriskConfig;
  directory: Directory;
  ledger: UsageLedger;
  log: Logger;
  clock?: Clock;
  timing?: IvrTiming;
  /** An Asterisk already running (tests share one); otherwise started here when managed. */
  runningAsterisk?: LocalAsterisk;
  /** How long a graceful stop lets calls in progress go on (TOLLBRIDGE_DRAIN_SECONDS). */
  drainMs?: number;
}

export interface StopOptions {
  /** Overrides the app's drain limit for this stop (0: end the calls at once). */
  drainMs?: number;
}

export const DEFAULT_DRAIN_MS = 30_000;
/** After the drain limit, how long the calls still up may take to hear goodbye and end. */
const END_CALLS_GUARD_MS = STOP_PROMPT_GUARD_MS + STOP_END_GUARD_MS + 3_000;

/** True if `promise` resolved within `ms`; false at once if `cut` settles first. */
async function within(promise: Promise<unknown>, ms: number, cut: Promise<void> = new Promise(() => undefined)): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout, cut.then(() => false)]);
  } finally {
    clearTimeout(timer);
  }
}

export class BridgeApp {
  private cutDrainShort: () => void = () => undefined;
  private readonly drainCutShort = new Promise<void>((resolve) => (this.cutDrainShort = resolve));

  private constructor(
    readonly router: CallRouter,
    readonly rooms: RoomRegistry,
    readonly ari: AriSession,
    private readonly ownAsterisk: LocalAsterisk | undefined,
    private readonly log: Logger,
    private readonly drainMs: number,
  ) {}

  /** Settles when the bridge can no longer take calls and will not recover by itself (ARI gave up). */
  get failed(): Promise<ServiceUnavailableError> {
    return this.ari.lost.then((err) => new ServiceUnavailableError('ARI', `lost the ARI connection to Asterisk for good: ${err.message}`, { cause: err }));
  }

  // What GET /health reports of the bridge (api/health.ts HealthSources.bridge).
  ariConnected(): boolean {
    return this.ari.connected;
  }

  liveCalls(): number {
    return this.router.activeCalls;
  }

  /** A graceful stop has begun: new calls are refused. */
  draining(): boolean {
    return !this.router.isAccepting;
  }

  static async start(options: BridgeAppOptions): Promise<BridgeApp> {
    const { asterisk: cfg, log } = options;
    let ownAsterisk: LocalAsterisk | undefined;
    if (options.runningAsterisk === undefined && cfg.managed) {
      ownAsterisk = new LocalAsterisk(cfg);
      log.info({ root: cfg.root, instance: cfg.instance }, 'starting Asterisk');
      try {
        await ownAsterisk.start();
      } catch (err) {
        await ownAsterisk.stop().catch(() => undefined);
        throw new ServiceUnavailableError('Asterisk', `cannot start Asterisk (instance ${cfg.instance}, root ${cfg.root}): ${reasonOf(err)}`, { cause: err });
      }
    }
    const url = `http://${cfg.host}:${cfg.ariPort}`;
    let ari: AriSession;
    try {
      ari = await AriSession.connect({ url, user: cfg.ariUser, password: cfg.ariPassword, app: cfg.ariApp }, log);
    } catch (err) {
      await ownAsterisk?.stop().catch(() => undefined);
      throw new ServiceUnavailableError('ARI', `cannot connect to ARI at ${url} as ${cfg.ariUser}: ${reasonOf(err)}`, { cause: err });
    }
    const channels = new AriChannels(ari.client, ari.playbacks, log);
    const rooms = new RoomRegistry(new AriConference(ari.client, channels, log), log);
    const router = new CallRouter({
      channel: channels,
      directory: options.directory,
      ledger: options.ledger,
      rooms,
      clock: options.clock ?? { now: () => Date.now() },
      timing: options.timing ?? DEFAULT_IVR_TIMING,
      log,
    });
    await ari.start((event: CallEvent) => {
      switch (event.type) {
        case 'call.start':
          log.debug({ channelId: event.channelId, dialled: event.dialled }, 'call arrived');
          router.callStarted(event);
          return;
        case 'call.dtmf':
          router.digit(event.channelId, event.digit);
          return;
        case 'call.end':
          router.callEnded(event.channelId, event.at);
          return;
      }
    });
    log.info({ ari: url, stasisApp: cfg.ariApp, sip: `127.0.0.1:${cfg.sipPort}` }, 'bridge ready');
    return new BridgeApp(router, rooms, ari, ownAsterisk, log, options.drainMs ?? DEFAULT_DRAIN_MS);
  }

  /**
   * A graceful stop: new calls are refused (SIP 503) from now on; calls in progress may go on
   * up to the drain limit, then hear goodbye and are hung up, their legs closed; then the app
   * disconnects and stops its Asterisk.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    this.router.stopAccepting();
    await this.endCalls(options.drainMs ?? this.drainMs);
    await this.rooms.settled();
    await this.ari.close();
    await this.ownAsterisk?.stop();
  }

  /** During a stop's drain (a second SIGINT/SIGTERM): end the calls still up now. */
  hurry(): void {
    this.cutDrainShort();
  }

  private async endCalls(drainMs: number): Promise<void> {
    if (this.router.activeCalls === 0) return;
    this.log.info({ calls: this.router.activeCalls, drainMs }, 'stopping: new calls refused, draining calls in progress');
    if (await within(this.router.idle(), drainMs, this.drainCutShort)) return;
    this.log.info({ calls: this.router.activeCalls }, 'drain limit reached: ending the calls still up');
    this.router.endAll();
    if (await within(this.router.idle(), END_CALLS_GUARD_MS)) return;
    this.log.warn({ calls: this.router.activeCalls }, 'calls still up after ending them: their legs stay open (tollbridge ledger open)');
  }
}
