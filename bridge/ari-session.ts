// Connects to Asterisk's ARI with ari-client, registers the Stasis app, and turns ari-client's
// events into tollbridge's typed CallEvents. Also owns the playback tracker, because the
// PlaybackFinished events arrive here.
import ari, { type Client } from 'ari-client';
import type { Logger } from 'pino';
import { boundedClient, withTimeout } from './ari-bounded-client.js';
import { AriRest, type AriRequestTimer } from './ari-rest.js';
import { ARI_EVENT_TYPES, parseAriTimestamp } from './ari-events.js';
import type { CallEvent, HangupRequest } from '../domain/call-events.js';
import { AnswerTimes } from './answer-times.js';
import type { AriClientSource } from './ari-client-source.js';
import { parseRoomBridgeId } from './room-bridge-ids.js';
import { ChannelSubscriptions } from './channel-subscriptions.js';
import { PlaybackTracker } from './playbacks.js';
import { RecordingEnds } from './recording-ends.js';

/** The first Stasis argument of a callback the bridge dialled (bridge/callback-dialer.ts). */
export const CALLBACK_APP_ARG = 'callback';

export interface AriEndpoint {
  url: string;
  user: string;
  password: string;
  app: string;
}

/**
 * ari.connect, with ari-client's swagger-client console.log (a warning about Asterisk's
 * Swagger 1.2 schema, on every connect) sent to the debug log: on stdout it would break
 * `--json` output.
 */
export async function connectAri(url: string, user: string, password: string, log: Logger): Promise<Client> {
  const consoleLog = console.log;
  console.log = (...args: unknown[]) => log.debug({ swaggerClient: args }, 'ari-client console output');
  try {
    return await ari.connect(url, user, password);
  } finally {
    console.log = consoleLog;
  }
}

/** The ARI websocket as a health check reports it. */
export interface AriConnectionState {
  connected: boolean;
  /** Epoch ms of the last change (connected or lost). */
  since: number;
  /** How many times the websocket came back after being lost. */
  reconnects: number;
}

/** What the app does when the websocket goes and comes back. */
export interface AriLifecycle {
  /** The websocket closed at `at`: events from then on may be lost until `restored`. */
  lost(at: number): void;
  /** The websocket is up again (the app is registered again): time to resynchronise. */
  restored(): void;
}

/** ari-client retries for about 43 s then gives up; after that a new client is made, with this backoff. */
const RECONNECT_FIRST_DELAY_MS = 500;
const RECONNECT_MAX_DELAY_MS = 5_000;
/** An ari-client request that has not settled by then failed (its connection went, unreported). */
const ARI_CLIENT_REQUEST_LIMIT_MS = 15_000;
/** One attempt at a new client (API description download) may take this long. */
const CONNECT_TIMEOUT_MS = 5_000;

/** The ari-client events attach() listens to (removed from a client that is given up). */
const ARI_CLIENT_EVENTS = [...ARI_EVENT_TYPES, 'WebSocketReconnecting', 'WebSocketConnected', 'WebSocketMaxRetries'] as const;

export class AriSession implements AriClientSource {
  readonly playbacks = new PlaybackTracker();
  /**
   * Playbacks to a room's bridge (tones, names): apart from the callers' prompts, because a
   * bridge destroyed mid-tone never reports its end (the announcer gives up on those itself).
   */
  readonly announcements = new PlaybackTracker();
  /** Name and conference recordings until Asterisk says they ended. */
  readonly recordingEnds = new RecordingEnds();
  readonly subscriptions: ChannelSubscriptions;
  /** Asterisk's answer time per channel (ChannelStateChange to Up). */
  readonly answers = new AnswerTimes();
  readonly rest: AriRest;
  /** Who asked for each channel's hang-up (ChannelHangupRequest), until its StasisEnd. */
  private readonly hangupRequests = new Map<string, HangupRequest>();
  private bounded: { raw: Client; client: Client } | null = null;
  private timer: AriRequestTimer | undefined;
  private connection: AriConnectionState;
  private closing = false;
  private replacing = false;
  private started = false;
  private onEvent: (event: CallEvent) => void = () => undefined;
  private lifecycle: AriLifecycle = { lost: () => undefined, restored: () => undefined };

  private constructor(
    private current: Client,
    private readonly endpoint: AriEndpoint,
    private readonly log: Logger,
  ) {
    this.connection = { connected: false, since: Date.now(), reconnects: 0 };
    this.subscriptions = new ChannelSubscriptions(this, endpoint.app, log);
    this.rest = new AriRest(endpoint.url, endpoint.user, endpoint.password);
  }

  static async connect(endpoint: AriEndpoint, log: Logger): Promise<AriSession> {
    const client = await connectAri(endpoint.url, endpoint.user, endpoint.password, log);
    return new AriSession(client, endpoint, log);
  }

  /** The current client, its REST operations bounded (ari-bounded-client.ts says why). */
  get client(): Client {
    if (this.bounded?.raw !== this.current) this.bounded = { raw: this.current, client: boundedClient(this.current, ARI_CLIENT_REQUEST_LIMIT_MS, this.timer) };
    return this.bounded.client;
  }

  /** Times every ARI request from now on, ari-client's and the caller path's (GET /metrics). */
  timeRequests(timer: AriRequestTimer): void {
    this.timer = timer;
    this.bounded = null;
    this.rest.timer = timer;
  }

  get state(): AriConnectionState {
    return { ...this.connection };
  }

  /** Subscribes `onEvent` and starts the Stasis app; resolves once Asterisk knows the app. */
  async start(onEvent: (event: CallEvent) => void, lifecycle?: AriLifecycle): Promise<void> {
    this.onEvent = onEvent;
    if (lifecycle !== undefined) this.lifecycle = lifecycle;
    this.attach(this.current);
    await this.current.start(this.endpoint.app);
    await this.waitForApp();
    await this.filterEvents();
    this.connection = { connected: true, since: Date.now(), reconnects: 0 };
    this.started = true;
  }

  /** Routes one client's events; the lifecycle listeners follow the websocket's state. */
  private attach(client: Client): void {
    const now = () => Date.now();
    const onEvent = (event: CallEvent) => this.onEvent(event);
    client.on('StasisStart', (event, channel) => {
      const args = Array.isArray(event.args) ? event.args : [event.args];
      const at = parseAriTimestamp(event.timestamp, now());
      // A callback we dialled (originated into the app with `callback,<id>`), now answered.
      if (args[0] === CALLBACK_APP_ARG && args[1] !== undefined) {
        onEvent({ type: 'call.start', channelId: channel.id, dialled: '', callerNumber: null, at, callbackId: args[1] });
        return;
      }
      const dialled = args[0] ?? channel.dialplan.exten;
      const callerNumber = channel.caller.number === '' ? null : channel.caller.number;
      onEvent({ type: 'call.start', channelId: channel.id, dialled, callerNumber, at });
    });
    client.on('ChannelDtmfReceived', (event, channel) => {
      onEvent({ type: 'call.dtmf', channelId: channel.id, digit: event.digit, at: parseAriTimestamp(event.timestamp, now()) });
    });
    // Who asked for the hang-up arrives on ChannelHangupRequest, before StasisEnd (ChannelDestroyed
    // does not reach the app after StasisEnd): the first one is kept until then.
    const requests = this.hangupRequests;
    client.on('ChannelHangupRequest', (event, channel) => {
      const request: HangupRequest = { cause: typeof event.cause === 'number' ? event.cause : null, soft: event.soft === true };
      this.log.debug({ channelId: channel.id, ...request }, 'hang-up requested');
      if (!requests.has(channel.id)) requests.set(channel.id, request);
    });
    client.on('StasisEnd', (event, channel) => {
      const hangupRequest = requests.get(channel.id) ?? null;
      requests.delete(channel.id);
      const quiet = this.subscriptions.isQuiet(channel.id);
      this.subscriptions.forget(channel.id);
      this.answers.forget(channel.id);
      onEvent({ type: 'call.end', channelId: channel.id, at: parseAriTimestamp(event.timestamp, now()), hangupRequest, quiet });
    });
    // Only the ids are read: the bridge snapshot in these events lists every member.
    client.on('ChannelEnteredBridge', (event) => {
      const where = parseRoomBridgeId(event.bridge.id);
      if (where !== null) onEvent({ type: 'bridge.entered', channelId: event.channel.id, ...where });
    });
    client.on('ChannelLeftBridge', (event) => {
      const where = parseRoomBridgeId(event.bridge.id);
      if (where !== null) onEvent({ type: 'bridge.left', channelId: event.channel.id, ...where });
    });
    client.on('BridgeCreated', (event) => {
      if (parseRoomBridgeId(event.bridge.id) !== null) onEvent({ type: 'bridge.created', bridgeId: event.bridge.id });
    });
    client.on('BridgeDestroyed', (event) => {
      if (parseRoomBridgeId(event.bridge.id) !== null) onEvent({ type: 'bridge.destroyed', bridgeId: event.bridge.id });
    });
    client.on('ChannelStateChange', (event, channel) => {
      if (channel.state === 'Up') this.answers.answered(channel.id, parseAriTimestamp(event.timestamp, now()));
    });
    client.on('PlaybackFinished', (event) => {
      this.playbacks.finished(event.playback.id);
      this.announcements.finished(event.playback.id);
    });
    client.on('RecordingFinished', (event) => this.recordingEnds.ended(event.recording.name, 'finished'));
    client.on('RecordingFailed', (event) => this.recordingEnds.ended(event.recording.name, 'failed'));
    client.on('WebSocketReconnecting', (err) => {
      if (this.closing || client !== this.current) return;
      if (this.connection.connected) {
        this.connection = { ...this.connection, connected: false, since: now() };
        this.log.warn({ err }, 'ARI websocket lost: reconnecting');
        this.lifecycle.lost(this.connection.since);
      }
    });
    client.on('WebSocketConnected', () => {
      // The first connection is start()'s own; only a comeback is a restore.
      if (this.closing || client !== this.current || this.connection.connected || !this.started) return;
      this.restored();
    });
    client.on('WebSocketMaxRetries', (err) => {
      if (this.closing || client !== this.current || this.replacing) return;
      this.log.warn({ err }, 'ari-client gave up reconnecting: connecting a new client');
      for (const name of ARI_CLIENT_EVENTS) client.removeAllListeners(name);
      void this.replaceClient();
    });
  }

  private restored(): void {
    this.connection = { connected: true, since: Date.now(), reconnects: this.connection.reconnects + 1 };
    this.log.info({ reconnects: this.connection.reconnects }, 'ARI websocket restored');
    this.lifecycle.restored();
  }

  /** A new ari-client, tried for ever with a capped backoff: the bridge is deaf until it is back. */
  private async replaceClient(): Promise<void> {
    this.replacing = true;
    try {
      await this.connectNewClient();
    } finally {
      this.replacing = false;
    }
  }

  private async connectNewClient(): Promise<void> {
    for (let delay = RECONNECT_FIRST_DELAY_MS; !this.closing; delay = Math.min(delay * 2, RECONNECT_MAX_DELAY_MS)) {
      await new Promise((r) => setTimeout(r, delay).unref());
      if (this.closing) return;
      try {
        // ari.connect never settles when its first request's connection is reset: bound it.
        const client = await withTimeout(connectAri(this.endpoint.url, this.endpoint.user, this.endpoint.password, this.log), CONNECT_TIMEOUT_MS, 'ARI connect');
        this.current = client;
        this.attach(client);
        await client.start(this.endpoint.app);
        if (this.closing) {
          client.stop();
          return;
        }
        await this.waitForApp();
        await this.filterEvents(); // a restarted Asterisk has forgotten the filter
        if (!this.connection.connected) this.restored();
        return;
      } catch (err) {
        this.log.warn({ err, retryInMs: Math.min(delay * 2, RECONNECT_MAX_DELAY_MS) }, 'ARI still unreachable');
      }
    }
  }

  /**
   * The call on this channel is over: what was kept for it until its StasisEnd goes (a call the
   * resync ended never had its StasisEnd delivered: it was lost with the connection).
   */
  forgetChannel(channelId: string): void {
    this.hangupRequests.delete(channelId);
    this.answers.forget(channelId);
    this.subscriptions.forget(channelId);
  }

  /** Channels the session keeps something for (diagnostics, tests). */
  get channelsKept(): number {
    return this.hangupRequests.size + this.answers.size + this.subscriptions.quietCount;
  }

  /** Only the event types the app handles cross the websocket (see ARI_EVENT_TYPES). */
  private async filterEvents(): Promise<void> {
    await this.client.applications.filter({
      applicationName: this.endpoint.app,
      filter: { allowed: ARI_EVENT_TYPES.map((type) => ({ type })) },
    });
  }

  /** client.start() returns before Asterisk has registered the app; ask until it has. */
  private async waitForApp(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await this.client.applications.get({ applicationName: this.endpoint.app });
        return;
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`ARI app ${this.endpoint.app} did not register: ${String(err)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.rest.close();
    try {
      this.current.stop();
    } catch (err) {
      this.log.debug({ err }, 'ARI close');
    }
  }
}
