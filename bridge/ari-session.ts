// Connects to Asterisk's ARI with ari-client, registers the Stasis app, and turns ari-client's
// events into tollbridge's typed CallEvents. Also owns the playback tracker, because the
// PlaybackFinished events arrive here.
import ari, { type Client } from 'ari-client';
import type { Logger } from 'pino';
import { parseAriTimestamp, type CallEvent, type HangupRequest } from './ari-events.js';
import { parseRoomBridgeId } from './ari-conference.js';
import { PlaybackTracker } from './playbacks.js';

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

export class AriSession {
  readonly playbacks = new PlaybackTracker();

  private constructor(
    readonly client: Client,
    private readonly endpoint: AriEndpoint,
    private readonly log: Logger,
  ) {}

  static async connect(endpoint: AriEndpoint, log: Logger): Promise<AriSession> {
    const client = await connectAri(endpoint.url, endpoint.user, endpoint.password, log);
    return new AriSession(client, endpoint, log);
  }

  /** Subscribes `onEvent` and starts the Stasis app; resolves once Asterisk knows the app. */
  async start(onEvent: (event: CallEvent) => void): Promise<void> {
    const now = () => Date.now();
    this.client.on('StasisStart', (event, channel) => {
      const args = Array.isArray(event.args) ? event.args : [event.args];
      const dialled = args[0] ?? channel.dialplan.exten;
      const callerNumber = channel.caller.number === '' ? null : channel.caller.number;
      onEvent({ type: 'call.start', channelId: channel.id, dialled, callerNumber, at: parseAriTimestamp(event.timestamp, now()) });
    });
    this.client.on('ChannelDtmfReceived', (event, channel) => {
      onEvent({ type: 'call.dtmf', channelId: channel.id, digit: event.digit, at: parseAriTimestamp(event.timestamp, now()) });
    });
    // Who asked for the hang-up arrives on ChannelHangupRequest, before StasisEnd (ChannelDestroyed
    // does not reach the app after StasisEnd): the first one is kept until then.
    const requests = new Map<string, HangupRequest>();
    this.client.on('ChannelHangupRequest', (event, channel) => {
      const request: HangupRequest = { cause: typeof event.cause === 'number' ? event.cause : null, soft: event.soft === true };
      this.log.debug({ channelId: channel.id, ...request }, 'hang-up requested');
      if (!requests.has(channel.id)) requests.set(channel.id, request);
    });
    this.client.on('StasisEnd', (event, channel) => {
      const hangupRequest = requests.get(channel.id) ?? null;
      requests.delete(channel.id);
      onEvent({ type: 'call.end', channelId: channel.id, at: parseAriTimestamp(event.timestamp, now()), hangupRequest });
    });
    // Only the ids are read: the bridge snapshot in these events lists every member.
    this.client.on('ChannelEnteredBridge', (event) => {
      const where = parseRoomBridgeId(event.bridge.id);
      if (where !== null) onEvent({ type: 'bridge.entered', channelId: event.channel.id, ...where });
    });
    this.client.on('ChannelLeftBridge', (event) => {
      const where = parseRoomBridgeId(event.bridge.id);
      if (where !== null) onEvent({ type: 'bridge.left', channelId: event.channel.id, ...where });
    });
    this.client.on('PlaybackFinished', (event) => this.playbacks.finished(event.playback.id));
    this.client.on('WebSocketReconnecting', (err) => this.log.warn({ err }, 'ARI websocket reconnecting'));
    this.client.on('WebSocketMaxRetries', (err) => this.log.error({ err }, 'ARI websocket gave up reconnecting'));
    await this.client.start(this.endpoint.app);
    await this.waitForApp();
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
    try {
      this.client.stop();
    } catch (err) {
      this.log.debug({ err }, 'ARI close');
    }
  }
}
