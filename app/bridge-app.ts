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
import { endReasonFromHangupRequest } from '../bridge/hangup-cause.js';
import { CallRouter } from '../flows/call-router.js';
import { DEFAULT_CALL_LIMITS, type CallLimits, type Clock, type ConferenceBridges, type Directory, type UsageLedger } from '../flows/ports.js';
import { RoomRegistry } from '../flows/room-registry.js';
import { DEFAULT_IVR_TIMING, type IvrTiming } from '../ivr/timing.js';

export interface BridgeAppOptions {
  asterisk: AsteriskConfig;
  directory: Directory;
  ledger: UsageLedger;
  log: Logger;
  clock?: Clock;
  timing?: IvrTiming;
  /** An Asterisk already running (tests share one); otherwise started here when managed. */
  runningAsterisk?: LocalAsterisk;
  /** Limits on a caller's stay (config.ts TOLLBRIDGE_MAX_*); default DEFAULT_CALL_LIMITS. */
  limits?: CallLimits;
  /** Fault injection for tests: wraps the ARI bridge operations the rooms use. */
  wrapBridges?: (bridges: ConferenceBridges) => ConferenceBridges;
}

/** How long a graceful stop waits for calls in progress to end before leaving them. */
const DRAIN_TIMEOUT_MS = 30_000;

export class BridgeApp {
  private constructor(
    readonly router: CallRouter,
    readonly rooms: RoomRegistry,
    readonly ari: AriSession,
    private readonly ownAsterisk: LocalAsterisk | undefined,
    private readonly log: Logger,
  ) {}

  static async start(options: BridgeAppOptions): Promise<BridgeApp> {
    const { asterisk: cfg, log } = options;
    let ownAsterisk: LocalAsterisk | undefined;
    if (options.runningAsterisk === undefined && cfg.managed) {
      ownAsterisk = new LocalAsterisk(cfg);
      log.info({ root: cfg.root, instance: cfg.instance }, 'starting Asterisk');
      await ownAsterisk.start();
    }
    const url = `http://${cfg.host}:${cfg.ariPort}`;
    const ari = await AriSession.connect({ url, user: cfg.ariUser, password: cfg.ariPassword, app: cfg.ariApp }, log);
    const channels = new AriChannels(ari.client, ari.playbacks, log);
    const limits = options.limits ?? DEFAULT_CALL_LIMITS;
    const conference = new AriConference(ari.client, channels, log);
    const rooms = new RoomRegistry(options.wrapBridges?.(conference) ?? conference, log, { aloneMs: limits.aloneMs });
    const router = new CallRouter({
      channel: channels,
      directory: options.directory,
      ledger: options.ledger,
      rooms,
      clock: options.clock ?? { now: () => Date.now() },
      timing: options.timing ?? DEFAULT_IVR_TIMING,
      log,
      limits,
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
          // Our own hang-up's reason if we hung up, else what Asterisk's hang-up request says (RTP timeout, ...).
          router.callEnded(event.channelId, event.at, channels.takeHangupReason(event.channelId) ?? endReasonFromHangupRequest(event.hangupRequest));
          return;
        case 'bridge.entered':
        case 'bridge.left': {
          const entered = event.type === 'bridge.entered';
          router.bridgeEvent(event.channelId, event.bridge, entered);
          rooms.bridgeEvent(event.room, event.channelId, event.bridge, entered);
          return;
        }
      }
    });
    log.info({ ari: url, stasisApp: cfg.ariApp, sip: `127.0.0.1:${cfg.sipPort}` }, 'bridge ready');
    return new BridgeApp(router, rooms, ari, ownAsterisk, log);
  }

  /** Waits for calls in progress to end (up to a limit), then disconnects and stops Asterisk. */
  async stop(drain = true): Promise<void> {
    if (drain && this.router.activeCalls > 0) {
      this.log.info({ calls: this.router.activeCalls }, 'draining calls before stopping');
      await Promise.race([this.router.idle(), new Promise((r) => setTimeout(r, DRAIN_TIMEOUT_MS).unref())]);
    }
    await this.rooms.settled();
    await this.ari.close();
    await this.ownAsterisk?.stop();
  }
}
