// The composition root of the running bridge: Asterisk (started here when managed), the ARI
// session, the machines, and the ports they use. `tollbridge start` and the end-to-end tests
// both run exactly this.
import type { Logger } from 'pino';
import type { AsteriskConfig } from '../config/config.js';
import { instancePaths, LocalAsterisk } from '../asterisk/local-asterisk.js';
import { AmiSession } from '../bridge/ami-session.js';
import { AriChannels } from '../bridge/ari-channels.js';
import { AriConference } from '../bridge/ari-conference.js';
import { AriSession } from '../bridge/ari-session.js';
import type { CallEvent } from '../bridge/ari-events.js';
import { CallRouter } from '../flows/call-router.js';
import type { Clock, Directory, UsageLedger } from '../flows/ports.js';
import { RoomRegistry } from '../flows/room-registry.js';
import { DEFAULT_IVR_TIMING, type IvrTiming } from '../ivr/timing.js';
import { AmiCallRecords, AsteriskCallRecords, CelFileCallRecords } from '../reconcile/call-records.js';

export interface BridgeAppOptions {
  asterisk: AsteriskConfig;
  directory: Directory;
  ledger: UsageLedger;
  log: Logger;
  clock?: Clock;
  timing?: IvrTiming;
  /** An Asterisk already running (tests share one); otherwise started here when managed. */
  runningAsterisk?: LocalAsterisk;
}

/** How long a graceful stop waits for calls in progress to end before leaving them. */
const DRAIN_TIMEOUT_MS = 30_000;

export class BridgeApp {
  private constructor(
    readonly router: CallRouter,
    readonly rooms: RoomRegistry,
    readonly ari: AriSession,
    /** AMI: Asterisk's CEL events as they happen (and whatever else needs AMI). */
    readonly ami: AmiSession,
    /** When Asterisk says a channel ended (CEL over AMI, else the local CEL file): for legs whose end the app missed. */
    readonly callRecords: AsteriskCallRecords,
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
    // AMI comes up beside ARI and keeps reconnecting; the bridge does not wait for it.
    const ami = new AmiSession({ host: cfg.host, port: cfg.amiPort, user: cfg.amiUser, password: cfg.amiPassword }, log);
    const amiRecords = new AmiCallRecords(ami);
    ami.start().catch((err: unknown) => log.warn({ err }, 'AMI not connected yet: still trying'));
    const localCel = cfg.managed || options.runningAsterisk !== undefined ? [new CelFileCallRecords(instancePaths(cfg).celLog)] : [];
    const callRecords = new AsteriskCallRecords([amiRecords, ...localCel]);
    const url = `http://${cfg.host}:${cfg.ariPort}`;
    const ari = await AriSession.connect({ url, user: cfg.ariUser, password: cfg.ariPassword, app: cfg.ariApp }, log);
    const channels = new AriChannels(ari.client, ari.playbacks, log, ari.answers);
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
    return new BridgeApp(router, rooms, ari, ami, callRecords, ownAsterisk, log);
  }

  /** Waits for calls in progress to end (up to a limit), then disconnects and stops Asterisk. */
  async stop(drain = true): Promise<void> {
    if (drain && this.router.activeCalls > 0) {
      this.log.info({ calls: this.router.activeCalls }, 'draining calls before stopping');
      await Promise.race([this.router.idle(), new Promise((r) => setTimeout(r, DRAIN_TIMEOUT_MS).unref())]);
    }
    await this.rooms.settled();
    await this.ari.close();
    this.ami.close();
    await this.ownAsterisk?.stop();
  }
}
