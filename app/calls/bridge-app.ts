// The composition root of the running bridge: Asterisk (started, or attached to, when managed),
// the ARI session, the machines, and the ports they use. `tollbridge start` and the end-to-end
// tests both run exactly this.
//
// Restarts and faults: Asterisk outlives the app (asterisk/local-asterisk.ts). On start, and
// every time the ARI websocket comes back, the app resynchronises (resync.ts): it rebuilds the
// calls and rooms Asterisk still has and ends those it lost, at Asterisk's recorded end. Events
// that arrive while a resync runs wait for it. A managed Asterisk found dead is started again.
import type { Logger } from 'pino';
import type { AsteriskConfig } from '../../config/config.js';
import { instancePaths, LocalAsterisk } from '../../asterisk/local-asterisk.js';
import { AriChannels } from '../../bridge/ari-channels.js';
import { ChannelMemory } from '../../bridge/channel-memory.js';
import { AriConference } from '../../bridge/ari-conference.js';
import { HoldMarks } from '../../bridge/hold-marks.js';
import { LiveMusic } from '../../bridge/live-music.js';
import { WaitingMutes } from '../../bridge/waiting-mutes.js';
import { WaitingPlaces } from '../../bridge/waiting-places.js';
import { AmiSession } from '../../bridge/ami-session.js';
import { AriSession, type AriConnectionState } from '../../bridge/ari-session.js';
import type { CallEvent } from '../../domain/call-events.js';
import { AriCallMarks } from '../../bridge/call-marks.js';
import { AriRoomMarks } from '../../bridge/room-marks.js';
import { endReasonFromHangupRequest } from '../../bridge/hangup-cause.js';
import { HangupRequests } from '../../bridge/hangup-requests.js';
import { listenInRoom, TalkDetection } from '../../bridge/in-room-events.js';
import { AriMemberChannels } from '../../bridge/member-channels.js';
import type { ChannelSubscriptions } from '../../bridge/channel-subscriptions.js';
import type { RecordingControl } from '../../flows/recording-control.js';
import { LiveRooms } from './live-rooms.js';
import { CallRouter } from '../../flows/call-router.js';
import { type CallRecords, type Clock, type ConferenceBridges, type Directory, type IvrCountsElsewhere, type LegRecovery, type PinGuard, type SpendCapCheck, type UsageLedger } from '../../flows/ports.js';
import type { CappedRooms } from './spend-caps.js';
import { DEFAULT_CALL_LIMITS, type CallLimits, type PinGuessingLimits } from '../../domain/limits.js';
import type { LegEndReason } from '../../domain/legs.js';
import { RoomRegistry } from '../../flows/room-registry.js';
import { DEFAULT_IVR_TIMING, type IvrTiming } from '../../ivr/timing.js';
import { AmiCallRecords, AsteriskCallRecords, CelFileCallRecords } from '../../reconcile/call-records.js';
import { EventGate } from './event-gate.js';
import { resync, type ResyncDeps } from './resync.js';
import { ResyncRunner, type ResyncRun } from './resync-runner.js';
import { readAsterisk } from '../../bridge/ari-snapshot.js';
import { STOP_END_GUARD_MS, STOP_PROMPT_GUARD_MS } from '../../flows/call-machine.js';
import { reasonOf, ServiceUnavailableError } from './service-unavailable.js';
import os from 'node:os';
import path from 'node:path';
import { AriAnnouncer } from '../../bridge/ari-announcer.js';
import { RecentStays } from '../../flows/recent-stays.js';
import { AriBridgeRecorder } from '../../bridge/ari-bridge-recorder.js';
import { AriCallbackDialer } from '../../bridge/callback-dialer.js';
import { NO_CALLBACKS, type CallbackPolicy } from '../../domain/callback.js';
import { Callbacks } from './callbacks.js';
import { AriNameRecorder } from '../../bridge/ari-name-recorder.js';
import { ConferenceRecorder, type RecordingStore } from './conference-recorder.js';
import type { BridgeMetrics } from '../../metrics/bridge-metrics.js';

export interface BridgeAppOptions {
  asterisk: AsteriskConfig;
  directory: Directory;
  ledger: UsageLedger;
  /** The ledger's open legs, read on every resync; without it legs of calls gone meanwhile stay open. */
  legRecovery?: LegRecovery;
  /** Asterisk's record of each channel's end; by default CEL over AMI, then the CEL file a local Asterisk writes. */
  callRecords?: CallRecords;
  log: Logger;
  clock?: Clock;
  timing?: IvrTiming;
  /** An Asterisk already running (tests share one); otherwise started (or attached to) here when managed. */
  runningAsterisk?: LocalAsterisk;
  /** How long a graceful stop lets calls in progress go on (TOLLBRIDGE_DRAIN_SECONDS). */
  drainMs?: number;
  /** Limits on a caller's stay (config.ts TOLLBRIDGE_MAX_*); default DEFAULT_CALL_LIMITS. */
  limits?: CallLimits;
  /** PIN guessing limits shared through the database (app/calls/pin-guard.ts); absent: none. */
  pinGuard?: PinGuard;
  /** The pause after a wrong PIN and the caps on calls still in the IVR (config.ts TOLLBRIDGE_PIN_*, TOLLBRIDGE_MAX_IVR_*). */
  guessing?: PinGuessingLimits;
  /** The other bridge processes' calls in their IVR, counted against the same caps (app/calls/shared-ivr-counts.ts); absent: none. */
  ivrElsewhere?: IvrCountsElsewhere;
  /** Fault injection for tests: wraps the ARI bridge operations the rooms use. */
  wrapBridges?: (bridges: ConferenceBridges) => ConferenceBridges;
  /** Starts and stops rooms' recordings (a moderator's key 6, the owner's API); default noRecording. */
  recording?: RecordingControl;
  /** Where finished conference recordings go (TOLLBRIDGE_RECORDINGS_DIR); default a directory under the system's temp dir. */
  recordingsDir?: string;
  /** The conference recordings' rows (db.recordings); absent: recordings are files only, unlisted. */
  recordings?: RecordingStore;
  /** GET /metrics: counts the ports, times ARI, reads the calls and rooms at scrape time; absent: nothing measured. */
  metrics?: BridgeMetrics;
  /** How long a dropped caller's stay is kept for a rejoin (default REJOIN_WINDOW_MS, 2 minutes; tests shorten it). */
  rejoinWindowMs?: number;
  /** Rooms' monthly spend caps (app/calls/spend-caps.ts): asked at each entry, watching this bridge's rooms; absent: none. */
  spendCaps?: SpendCapCheck & { watch(rooms: CappedRooms): void };
  /** Who may be called back when the moderator arrives (config TOLLBRIDGE_CALLBACK_*); absent or no trunk: nobody. */
  callbacks?: CallbackPolicy;
}

/** Without a database for recordings: files only. */
const UNLISTED_RECORDINGS: RecordingStore = { create: async () => 0, finish: async () => undefined, unfinished: async () => [] };

export interface StopOptions {
  /** Overrides the app's drain limit for this stop (0: end the calls at once). */
  drainMs?: number;
  /**
   * A restart (an upgrade) instead of a stop: no drain, the calls stay up in Asterisk, which
   * keeps running; the next `start` attaches to it and picks them up where they stand.
   */
  handOver?: boolean;
}

export const DEFAULT_DRAIN_MS = 30_000;
/** After the drain limit, how long the calls still up may take to hear goodbye and end. */
const END_CALLS_GUARD_MS = STOP_PROMPT_GUARD_MS + STOP_END_GUARD_MS + 3_000;
/** How long a quiet conference member's end waits for AMI to say who asked for the hang-up. */
const AMI_HANGUP_REQUEST_WAIT_MS = 300;
/** A managed Asterisk that fails to start again this many times in a row: the bridge gives up. */
const ASTERISK_RESTART_ATTEMPTS = 3;

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

/** Plain data for a health check. */
export interface BridgeHealth {
  ari: AriConnectionState;
  calls: number;
  rooms: number;
}

/** While the websocket is down, how often a managed Asterisk is checked for life. */
const ASTERISK_WATCH_MS = 500;
/** A resync that failed (ARI answering badly) is tried again after this. */
const RESYNC_RETRY_MS = 2_000;

export class BridgeApp {
  private stopping = false;
  private lostAt: number | null = null;
  private readonly resyncs: ResyncRunner;
  private watching = false;
  private cutDrainShort: () => void = () => undefined;
  private readonly drainCutShort = new Promise<void>((resolve) => (this.cutDrainShort = resolve));
  private reportFailure: (err: ServiceUnavailableError) => void = () => undefined;
  /** Settles when the bridge can no longer take calls and will not recover by itself. */
  readonly failed = new Promise<ServiceUnavailableError>((resolve) => (this.reportFailure = resolve));

  private constructor(
    readonly router: CallRouter,
    readonly rooms: RoomRegistry,
    readonly ari: AriSession,
    private readonly gate: EventGate,
    private readonly resyncDeps: ResyncDeps,
    private readonly ownAsterisk: LocalAsterisk | undefined,
    /** AMI: Asterisk's CEL events as they happen (and whatever else needs AMI). */
    readonly ami: AmiSession,
    /** When Asterisk says a channel ended: for legs whose end the app missed. */
    readonly callRecords: CallRecords,
    private readonly log: Logger,
    private readonly drainMs: number,
    /** Starts and stops rooms' conference recordings (RecordingControl): the room's controls use it. */
    readonly recording: ConferenceRecorder,
    /** What the ARI adapter keeps per channel until the call is over. */
    readonly channelMemory: ChannelMemory,
  ) {
    this.resyncs = new ResyncRunner({
      gate,
      attempt: (endsHeld, fallbackEnd) => resync(resyncDeps, endsHeld, fallbackEnd),
      log,
      retryMs: RESYNC_RETRY_MS,
      stopping: () => this.stopping,
    });
  }

  // What GET /health reports of the bridge (api/health.ts HealthSources.bridge).
  ariConnected(): boolean {
    return this.ari.state.connected;
  }

  liveCalls(): number {
    return this.router.activeCalls;
  }

  /** A graceful stop has begun: new calls are refused. */
  draining(): boolean {
    return !this.router.isAccepting;
  }

  static async start(given: BridgeAppOptions): Promise<BridgeApp> {
    const options = given.metrics?.countPorts(given) ?? given;
    const { asterisk: cfg, log } = options;
    let ownAsterisk: LocalAsterisk | undefined;
    if (options.runningAsterisk === undefined && cfg.managed) {
      ownAsterisk = new LocalAsterisk(cfg);
      log.info({ root: cfg.root, instance: cfg.instance }, 'starting Asterisk (or attaching to the running one)');
      try {
        const how = await ownAsterisk.start();
        log.info({ instance: cfg.instance }, how === 'attached' ? 'attached to the running Asterisk: its calls are kept' : 'Asterisk started');
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
    if (options.metrics !== undefined) ari.timeRequests(options.metrics.ari);
    // AMI comes up beside ARI and keeps reconnecting; the bridge does not wait for it.
    const ami = new AmiSession({ host: cfg.host, port: cfg.amiPort, user: cfg.amiUser, password: cfg.amiPassword }, log);
    ami.start().catch((err: unknown) => log.warn({ err }, 'AMI not connected yet: still trying'));
    const channels = new AriChannels(ari, ari.playbacks, log, ari.answers, ari.subscriptions);
    // Callers waiting for the moderator stand muted in the live bridge with its music
    // (bridge/waiting-places.ts); what changes inside it reaches the machines through the gate.
    const places = new WaitingPlaces();
    const liveMusic = new LiveMusic(ari, log);
    const told: { gate: EventGate | null } = { gate: null };
    const conference = new AriConference(ari, channels, ari.subscriptions, log, undefined, {
      places, music: liveMusic, mutes: new WaitingMutes(ami, ari, log), marks: new HoldMarks(ari, log),
      tell: (event) => told.gate?.push(event),
    });
    const limits = options.limits ?? DEFAULT_CALL_LIMITS;
    // Tones, counts, names and music (flows/room-announcements.ts); conference recordings, which
    // stop before a room's bridges are released.
    const announcer = new AriAnnouncer(ari, channels, ari.announcements, ari.subscriptions, log, liveMusic);
    const names = new AriNameRecorder(ari, channels, ari.recordingEnds, log);
    const roomView: { rooms: RoomRegistry | null } = { rooms: null };
    const recording = new ConferenceRecorder({
      bridges: new AriBridgeRecorder(ari, ari.recordingEnds, log),
      rooms: { snapshot: (room) => roomView.rooms?.snapshot(room) ?? null },
      directory: options.directory,
      store: options.recordings ?? UNLISTED_RECORDINGS,
      announcer,
      dir: options.recordingsDir ?? path.join(os.tmpdir(), `tollbridge-recordings-${cfg.instance}`),
      log,
    });
    // A room's dismissal (its policy, a key, the owner, the alone limit) reaches the call as an event with its reason.
    const callView: { router: CallRouter | null } = { router: null };
    const dismissing = tellingDismissals(options.wrapBridges?.(conference) ?? conference, (channelId, reason) => callView.router?.dismissed(channelId, reason));
    // Dropped callers' stays, for a rejoin within the window (flows/recent-stays.ts); an expired stay's name is deleted.
    const stays = new RecentStays({
      ...(options.rejoinWindowMs === undefined ? {} : { windowMs: options.rejoinWindowMs }),
      forgetName: (name) => void announcer.forgetName(name).catch((err: unknown) => log.warn({ err }, 'an expired stay\'s name recording was not deleted')),
    });
    // Callbacks of waiting participants, dialled through the outbound trunk when the moderator arrives.
    const callbackPolicy = options.callbacks ?? NO_CALLBACKS;
    const callbacks = callbackPolicy.trunk === null ? undefined : new Callbacks({ policy: callbackPolicy, maxWaitMs: limits.moderatorWaitMs, dialer: new AriCallbackDialer(ari, cfg.ariApp), directory: options.directory, log });
    const rooms = new RoomRegistry(recording.wrap(dismissing), log, {
      aloneMs: limits.aloneMs,
      ...(callbacks === undefined ? {} : { callbacks, callbackPolicy }),
      announcer,
      stays,
      members: new AriMemberChannels(ari, log, (channelId) => places.isHeld(channelId)),
      recording: options.recording ?? recording,
      marks: new AriRoomMarks(ari, log),
    });
    roomView.rooms = rooms;
    options.spendCaps?.watch(rooms);
    const hangupRequests = new HangupRequests(ami);
    // A call over leaves nothing behind for its channel, whether its StasisEnd came or the resync ended it.
    const channelMemory = new ChannelMemory(channels, ari, hangupRequests);
    const router = new CallRouter({
      channel: channels,
      directory: options.directory,
      ledger: options.ledger,
      rooms,
      clock: options.clock ?? { now: () => Date.now() },
      timing: options.timing ?? DEFAULT_IVR_TIMING,
      log,
      marks: new AriCallMarks(ari, log),
      limits,
      ...(options.pinGuard === undefined ? {} : { pinGuard: options.pinGuard }),
      ...(options.guessing === undefined ? {} : { guessing: options.guessing }),
      ...(options.ivrElsewhere === undefined ? {} : { ivrElsewhere: options.ivrElsewhere }),
      names,
      recording,
      observer: options.metrics?.calls,
      stays,
      ...(options.spendCaps === undefined ? {} : { spendCap: options.spendCaps }),
      ...(callbacks === undefined ? {} : { callbacks }),
    }, { onFinished: (channelId) => channelMemory.forget(channelId) });
    callView.router = router;
    const celFile = celFileOf(cfg, options.runningAsterisk ?? ownAsterisk);
    if (celFile === null) log.warn('external Asterisk and no TOLLBRIDGE_CEL_FILE: calls that end while the app is away are closed when it notices, not at their real end');
    const localCel = celFile === null ? [] : [new CelFileCallRecords(celFile)];
    const callRecords: CallRecords = options.callRecords ?? new AsteriskCallRecords([new AmiCallRecords(ami, { hearsAri: () => ari.state.connected }), ...localCel]);
    const resyncDeps: ResyncDeps = {
      readAsterisk: () => readAsterisk(ari, cfg.ariApp, log), systemName: cfg.systemName, router, rooms, conference, subscriptions: ari.subscriptions, directory: options.directory, ledger: options.ledger,
      legRecovery: options.legRecovery, callRecords, recordings: recording, log,
    };
    const gate = new EventGate((event) => deliver({ router, rooms, channels, conference, places, hangupRequests, subscriptions: ari.subscriptions, log, recording }, event), { log });
    told.gate = gate;
    listenToRooms(ami, ari.subscriptions, gate, rooms, log);
    const app = new BridgeApp(router, rooms, ari, gate, resyncDeps, ownAsterisk, ami, callRecords, log, options.drainMs ?? DEFAULT_DRAIN_MS, recording, channelMemory);
    options.metrics?.watch({
      callSteps: () => router.steps(), liveRooms: () => rooms.activeRooms,
      ariConnected: () => ari.state.connected, eventsHeld: () => gate.depth(), roomOperationsQueued: () => rooms.operationsQueued(),
    });
    gate.hold(); // events wait for the first resync
    await ari.start((event) => gate.push(event), { lost: (at) => app.lost(at), restored: () => app.restored() });
    // Ready after the first attempt: one that failed (the database down) is retried meanwhile.
    await app.resyncNow(Date.now()).firstAttempt;
    log.info({ ari: url, stasisApp: cfg.ariApp, sip: `127.0.0.1:${cfg.sipPort}` }, 'bridge ready');
    return app;
  }

  private liveRooms: LiveRooms | undefined;

  /** The owners' live view and controls of their rooms (the API's live routes). */
  get live(): LiveRooms {
    this.liveRooms ??= new LiveRooms(this.rooms, new TalkDetection(this.ari, this.log));
    return this.liveRooms;
  }

  health(): BridgeHealth {
    return { ari: this.ari.state, calls: this.router.activeCalls, rooms: this.rooms.activeRooms };
  }

  private lost(at: number): void {
    this.lostAt ??= at;
    if (this.ownAsterisk !== undefined) void this.watchAsterisk();
  }

  private restored(): void {
    const since = this.lostAt ?? Date.now();
    this.gate.hold();
    void this.resyncNow(since).done.then(() => {
      if (this.ari.state.connected) this.lostAt = null;
    });
  }

  /** One resync at a time, retried until it succeeds (resync-runner.ts); events wait in the gate during each attempt. */
  private resyncNow(fallbackEnd: number): ResyncRun {
    return this.resyncs.run(fallbackEnd);
  }

  /** While ARI is down, a managed Asterisk that died is started again (the websocket then comes back). */
  private async watchAsterisk(): Promise<void> {
    const asterisk = this.ownAsterisk;
    if (asterisk === undefined || this.watching) return;
    this.watching = true;
    let failures = 0;
    try {
      while (!this.stopping && !this.ari.state.connected) {
        if (!asterisk.alive()) {
          this.log.error({ instance: asterisk.cfg.instance }, 'Asterisk is gone: starting it again');
          try {
            await asterisk.start();
            failures = 0;
            this.log.info({ instance: asterisk.cfg.instance }, 'Asterisk started again');
          } catch (err) {
            this.log.error({ err }, 'Asterisk did not start again');
            if (++failures >= ASTERISK_RESTART_ATTEMPTS) {
              this.reportFailure(new ServiceUnavailableError('Asterisk', `Asterisk (instance ${asterisk.cfg.instance}) died and did not start again ${failures} times: ${reasonOf(err)}`, { cause: err }));
              return;
            }
          }
        }
        await new Promise((r) => setTimeout(r, ASTERISK_WATCH_MS).unref());
      }
    } finally {
      this.watching = false;
    }
  }

  /**
   * A graceful stop: new calls are refused (SIP 503) from now on; calls in progress may go on
   * up to the drain limit, then hear goodbye and are hung up, their legs closed; then the app
   * disconnects and stops its Asterisk. With `handOver` the calls and Asterisk stay up instead.
   */
  async stop(options: StopOptions = {}): Promise<void> {
    if (options.handOver === true) {
      this.stopping = true;
      this.log.info({ calls: this.router.activeCalls }, 'handing the calls over to the next start: Asterisk keeps running');
      await this.rooms.settled();
      this.router.forgetAll();
      this.rooms.forgetAll();
      await this.ari.close();
      this.ami.close();
      return;
    }
    this.router.stopAccepting();
    await this.endCalls(options.drainMs ?? this.drainMs);
    this.stopping = true;
    await this.rooms.settled();
    await this.recording.stopAll('shutdown');
    await this.recording.settled();
    await this.ari.close();
    this.ami.close();
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

/**
 * Keys and talking of callers in a room come over AMI (bridge/in-room-events.ts says why). The
 * keys enter through the event gate, as ARI's events do: during a resync they wait, and come
 * in the order they were heard among the ARI events.
 */
export function listenToRooms(
  ami: Pick<AmiSession, 'onEvent'>,
  subscriptions: Pick<ChannelSubscriptions, 'isQuiet'>,
  gate: Pick<EventGate, 'push'>,
  rooms: Pick<RoomRegistry, 'talking'>,
  log: Logger,
): void {
  listenInRoom(ami, subscriptions, {
    key: (channelId, digit) => gate.push({ type: 'room.key', channelId, digit, at: Date.now() }),
    talking: (channelId, talking) => rooms.talking(channelId, talking),
  }, log);
}

/** The room's bridge operations, each dismissal told first to the dismissed callers' calls. */
function tellingDismissals(bridges: ConferenceBridges, tell: (channelId: string, reason: LegEndReason) => void): ConferenceBridges {
  return {
    admitLive: (room, channelIds, stayMuted) => bridges.admitLive(room, channelIds, stayMuted),
    hold: (room, channelIds, prompt, then) => bridges.hold(room, channelIds, prompt, then),
    dismiss: (channelIds, prompt, reason) => {
      for (const channelId of channelIds) tell(channelId, reason);
      return bridges.dismiss(channelIds, prompt, reason);
    },
    release: (room) => bridges.release(room),
  };
}

/** One event (ARI's, or a room member's key over AMI), as the machines take it. */
function deliver(
  to: {
    router: CallRouter; rooms: RoomRegistry; channels: AriChannels; conference: AriConference; places: WaitingPlaces; hangupRequests: HangupRequests;
    subscriptions: ChannelSubscriptions; log: Logger; recording: ConferenceRecorder;
  },
  event: CallEvent,
): void {
  const { router, rooms, channels, conference, places, hangupRequests, subscriptions, log, recording } = to;
  switch (event.type) {
    case 'call.start':
      log.debug({ channelId: event.channelId, dialled: event.dialled }, 'call arrived');
      router.callStarted(event);
      return;
    case 'call.dtmf':
      // A quiet member's keys come over AMI (listenInRoom); one still on its way over ARI is dropped, not counted twice.
      if (!subscriptions.isQuiet(event.channelId)) router.digit(event.channelId, event.digit);
      return;
    case 'room.key':
      router.digit(event.channelId, event.digit);
      return;
    case 'call.end': {
      places.forgetChannel(event.channelId);
      // Our own hang-up's reason if we hung up, else what Asterisk's hang-up request says (RTP
      // timeout, ...): over ARI, or for a quiet conference member over AMI, waited for briefly.
      const ours = channels.takeHangupReason(event.channelId);
      if (ours !== undefined || event.hangupRequest !== null || !event.quiet) {
        hangupRequests.forget(event.channelId);
        router.callEnded(event.channelId, event.at, ours ?? endReasonFromHangupRequest(event.hangupRequest));
        return;
      }
      void hangupRequests.take(event.channelId, AMI_HANGUP_REQUEST_WAIT_MS).then((request) => router.callEnded(event.channelId, event.at, endReasonFromHangupRequest(request)));
      return;
    }
    case 'bridge.entered':
    case 'bridge.left': {
      // A waiting caller's moves on the live bridge are "hold" to the machines.
      const { bridge } = places.classify(event);
      const entered = event.type === 'bridge.entered';
      router.bridgeEvent(event.channelId, bridge, entered);
      rooms.bridgeEvent(event.room, event.channelId, bridge, entered);
      recording.bridgeEvent(event.room, event.channelId, bridge, entered);
      return;
    }
    // Through the gate too: one held during a resync comes after the resync's knowOnly, in order.
    case 'bridge.created':
      conference.bridgeCreated(event.bridgeId);
      return;
    case 'bridge.destroyed':
      conference.bridgeDestroyed(event.bridgeId);
      return;
  }
}

/**
 * The CEL file a resync reads for ends the app missed: the one configured (an external
 * Asterisk's, mounted), else the Asterisk this process runs or attached to, else none. Over AMI
 * the app hears ends only while it is connected: without a file, a call that ended while the
 * app was down would be billed up to the restart.
 */
export function celFileOf(cfg: AsteriskConfig, running: LocalAsterisk | undefined): string | null {
  if (cfg.celFile !== null) return cfg.celFile;
  if (running !== undefined) return running.paths.celLog;
  return cfg.managed ? instancePaths(cfg).celLog : null;
}
