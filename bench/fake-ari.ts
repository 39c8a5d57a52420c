// An in-process stand-in for Asterisk's ARI (HTTP + websocket), just enough for the bridge app
// as `tollbridge start` wires it (app/calls/bridge-app.ts) to run its real call path without SIP: the
// soak bench (bench/soak.ts) drives thousands of calls through it to measure the app's memory.
// ari-client downloads Asterisk's own API description (the Swagger files in the Asterisk root),
// so its event objects are built exactly as in production. Channels, bridges, playbacks and
// the app's channel subscriptions are modelled; audio, SIP and timing are not: a prompt ends
// after `promptMs`, a move lands at once.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';

interface FakeChannel {
  id: string;
  name: string;
  state: 'Ring' | 'Up';
  caller: string;
  exten: string;
  createdAt: string;
  bridge: string | null;
  subscribed: boolean;
  hungUp: boolean;
}

interface FakeBridge {
  id: string;
  type: string;
  name: string;
  members: Set<string>;
  createdAt: string;
}

/** What the fake tells whoever drives it (the soak's simulated callers). */
export interface FakeAriListener {
  /** The app played something on a channel (a prompt: time to type keys). */
  played?(channelId: string): void;
  /** The channel entered one of the room's bridges. */
  entered?(channelId: string, bridgeId: string): void;
  /** The app hung the channel up (DELETE /channels/{id}). */
  hungUp?(channelId: string): void;
}

/** The AMI side of a hang-up (bench/fake-ami.ts): Asterisk reports it over both connections. */
export interface HangupReport {
  hangup(channelId: string, channelName: string, exten: string, soft: boolean): void;
  started(channelId: string, channelName: string, exten: string): void;
  answered(channelId: string, channelName: string, exten: string): void;
}

const NO_REPORT: HangupReport = { hangup: () => undefined, started: () => undefined, answered: () => undefined };

/** ARI's timestamp format: 2026-12-02T07:00:00.123+0000. */
function ariTime(ms = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** One server-to-client text frame (unmasked, RFC 6455). */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x81, n]) : n < 65536 ? Buffer.from([0x81, 126, n >> 8, n & 0xff]) : Buffer.concat([Buffer.from([0x81, 127, 0, 0, 0, 0]), Buffer.from([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff])]);
  return Buffer.concat([head, payload]);
}

export class FakeAri {
  private readonly channels = new Map<string, FakeChannel>();
  private readonly bridges = new Map<string, FakeBridge>();
  /** Channel playbacks still playing: id -> channel. */
  private readonly playbacks = new Map<string, string>();
  private readonly sockets = new Set<Duplex>();
  private readonly server: http.Server;
  private readonly docs = new Map<string, string>();
  private seq = 0;
  listener: FakeAriListener = {};
  report: HangupReport = NO_REPORT;
  /** How long a prompt plays before PlaybackFinished. */
  promptMs = 1;
  /** REST requests answered, by method and first path segment (what the app asked of Asterisk). */
  readonly requests = new Map<string, number>();
  eventsSent = 0;
  bytesSent = 0;

  private constructor(
    private readonly app: string,
    apiDocsDir: string,
  ) {
    for (const file of fs.readdirSync(apiDocsDir)) if (file.endsWith('.json')) this.docs.set(file, fs.readFileSync(path.join(apiDocsDir, file), 'utf8'));
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 60_000;
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex) => this.upgrade(req, socket));
  }

  /** `apiDocsDir`: Asterisk's rest-api directory (in the Asterisk root: usr/share/asterisk/rest-api). */
  static async listen(app: string, apiDocsDir: string): Promise<FakeAri> {
    const fake = new FakeAri(app, apiDocsDir);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get liveChannels(): number {
    return this.channels.size;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // --- what callers do (the soak's driver) ---

  /** A call arrives: the channel enters the Stasis app (StasisStart). */
  call(dialled: string, callerNumber: string): string {
    this.seq++;
    const id = `memtest-${Date.now()}.${this.seq}`;
    const channel: FakeChannel = {
      id, name: `PJSIP/carrier-${this.seq.toString(16).padStart(8, '0')}`, state: 'Ring', caller: callerNumber, exten: dialled,
      createdAt: ariTime(), bridge: null, subscribed: true, hungUp: false,
    };
    this.channels.set(id, channel);
    this.report.started(id, channel.name, dialled);
    this.emit({ type: 'StasisStart', args: [dialled], channel: this.channelJson(channel) });
    return id;
  }

  /** The caller presses a key (RFC 4733): heard over ARI only while the app listens to the channel. */
  key(channelId: string, digit: string): void {
    const channel = this.channels.get(channelId);
    if (channel === undefined || !channel.subscribed) return;
    this.emit({ type: 'ChannelDtmfReceived', digit, duration_ms: 100, channel: this.channelJson(channel) });
  }

  /** The caller hangs up (a BYE). */
  hangUp(channelId: string): void {
    this.end(channelId, false);
  }

  /** What the fake knows of a channel (for a stuck call's report). */
  describe(channelId: string): string {
    const c = this.channels.get(channelId);
    return c === undefined ? 'gone' : `state ${c.state}, bridge ${c.bridge ?? 'none'}, ${c.subscribed ? 'subscribed' : 'quiet'}`;
  }

  // --- ARI over HTTP ---

  /** Counted by resource and action, without ids (a key per channel would itself grow with the calls). */
  private count(method: string, resource: string | undefined, action: string | undefined): void {
    const key = `${method} /${resource ?? ''}${action === undefined ? '' : `/{id}/${action}`}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const parts = url.pathname.replace(/^\/ari\//, '').split('/').map(decodeURIComponent);
    const reply = (status: number, body?: unknown) => {
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(text);
    };
    req.resume();
    const q = (name: string) => url.searchParams.get(name) ?? '';
    const [resource, id, action, sub] = parts;
    this.count(method, resource, action);
    if (resource === 'api-docs') {
      const doc = this.docs.get((id ?? '').replace('.{format}', '.json'));
      if (doc === undefined) return reply(404, { message: 'no such doc' });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(doc.replaceAll('http://localhost:8088/ari', `http://127.0.0.1:${this.port}/ari`));
      return;
    }
    if (resource === 'applications') {
      if (method === 'POST' && action === 'subscription') this.subscribe(q('eventSource'), true);
      if (method === 'DELETE' && action === 'subscription') this.subscribe(q('eventSource'), false);
      return reply(200, this.applicationJson());
    }
    if (resource === 'channels') {
      if (id === undefined) return reply(200, method === 'GET' ? [...this.channels.values()].map((c) => this.channelJson(c)) : { message: 'no' });
      const channel = this.channels.get(id);
      if (channel === undefined || channel.hungUp) return reply(404, { message: 'Channel not found' });
      if (method === 'GET' && action === undefined) return reply(200, this.channelJson(channel));
      if (method === 'GET' && action === 'variable') return reply(200, { value: '' });
      if (method === 'DELETE' && action === undefined) {
        reply(204);
        this.listener.hungUp?.(id);
        this.end(id, true);
        return;
      }
      if (action === 'answer') {
        reply(204);
        channel.state = 'Up';
        this.report.answered(id, channel.name, channel.exten);
        if (channel.subscribed) this.emit({ type: 'ChannelStateChange', channel: this.channelJson(channel) });
        return;
      }
      if (action === 'variable' || action === 'mute') return reply(204);
      if (action === 'play') {
        const playbackId = sub ?? `pb-${++this.seq}`;
        reply(201, { id: playbackId, media_uri: q('media'), target_uri: `channel:${id}`, language: 'en', state: 'queued' });
        this.playbacks.set(playbackId, id);
        this.listener.played?.(id);
        setTimeout(() => this.playbackFinished(playbackId, q('media')), this.promptMs).unref();
        return;
      }
      return reply(204);
    }
    if (resource === 'playbacks') {
      if (method === 'DELETE' && id !== undefined && this.playbacks.has(id)) {
        reply(204);
        this.playbackFinished(id, '');
        return;
      }
      return reply(404, { message: 'Playback not found' });
    }
    if (resource === 'bridges') {
      if (id === undefined) return reply(200, method === 'GET' ? [...this.bridges.values()].map((b) => this.bridgeJson(b)) : { message: 'no' });
      const bridge = this.bridges.get(id);
      if (method === 'POST' && action === undefined) {
        if (bridge !== undefined) return reply(200, this.bridgeJson(bridge));
        const made: FakeBridge = { id, type: q('type'), name: q('name'), members: new Set(), createdAt: ariTime() };
        this.bridges.set(id, made);
        return reply(200, this.bridgeJson(made));
      }
      if (bridge === undefined) return reply(404, { message: 'Bridge not found' });
      if (method === 'GET' && action === undefined) return reply(200, this.bridgeJson(bridge));
      if (method === 'DELETE' && action === undefined) {
        for (const member of [...bridge.members]) this.leave(member);
        this.bridges.delete(id);
        return reply(204);
      }
      if (action === 'addChannel') {
        const ids = q('channel').split(',');
        if (ids.some((c) => this.channels.get(c)?.hungUp !== false)) return reply(422, { message: 'Channel not found' });
        reply(204);
        for (const channelId of ids) this.enter(channelId, bridge);
        return;
      }
      if (action === 'play') {
        const playbackId = q('playbackId') === '' ? `pb-${++this.seq}` : q('playbackId');
        reply(201, { id: playbackId, media_uri: q('media'), target_uri: `bridge:${id}`, language: 'en', state: 'queued' });
        setTimeout(() => this.emit({ type: 'PlaybackFinished', playback: { id: playbackId, media_uri: q('media'), target_uri: `bridge:${id}`, language: 'en', state: 'done' } }), this.promptMs).unref();
        return;
      }
      return reply(204); // moh, stopMoh
    }
    reply(404, { message: `not faked: ${method} ${url.pathname}` });
  }

  private subscribe(eventSource: string, on: boolean): void {
    const channel = eventSource.startsWith('channel:') ? this.channels.get(eventSource.slice('channel:'.length)) : undefined;
    if (channel !== undefined) channel.subscribed = on;
  }

  private playbackFinished(playbackId: string, media: string): void {
    const channelId = this.playbacks.get(playbackId);
    if (channelId === undefined) return;
    this.playbacks.delete(playbackId);
    const channel = this.channels.get(channelId);
    if (channel === undefined || !channel.subscribed) return;
    this.emit({ type: 'PlaybackFinished', playback: { id: playbackId, media_uri: media, target_uri: `channel:${channelId}`, language: 'en', state: 'done' } });
  }

  private enter(channelId: string, bridge: FakeBridge): void {
    const channel = this.channels.get(channelId);
    if (channel === undefined) return;
    if (channel.bridge === bridge.id) return;
    if (channel.bridge !== null) this.leave(channelId);
    channel.bridge = bridge.id;
    bridge.members.add(channelId);
    this.emit({ type: 'ChannelEnteredBridge', bridge: this.bridgeJson(bridge), channel: this.channelJson(channel) });
    this.listener.entered?.(channelId, bridge.id);
  }

  private leave(channelId: string): void {
    const channel = this.channels.get(channelId);
    const bridge = channel?.bridge === null || channel === undefined ? undefined : this.bridges.get(channel.bridge);
    if (channel === undefined || bridge === undefined) return;
    bridge.members.delete(channelId);
    channel.bridge = null;
    this.emit({ type: 'ChannelLeftBridge', bridge: this.bridgeJson(bridge), channel: this.channelJson(channel) });
  }

  /** A hang-up as Asterisk reports it: the request (a channel event), leaving the bridge, StasisEnd; and over AMI. */
  private end(channelId: string, byApp: boolean): void {
    const channel = this.channels.get(channelId);
    if (channel === undefined || channel.hungUp) return;
    channel.hungUp = true;
    if (channel.subscribed) this.emit({ type: 'ChannelHangupRequest', soft: byApp ? true : undefined, cause: byApp ? 32 : 16, channel: this.channelJson(channel) });
    this.report.hangup(channelId, channel.name, channel.exten, byApp);
    this.leave(channelId);
    for (const [playbackId, target] of this.playbacks) if (target === channelId) this.playbacks.delete(playbackId);
    this.emit({ type: 'StasisEnd', channel: this.channelJson(channel) });
    this.channels.delete(channelId);
  }

  // --- the websocket ---

  private upgrade(req: http.IncomingMessage, socket: Duplex): void {
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string') {
      socket.destroy();
      return;
    }
    const accept = createHash('sha1').update(key + WS_GUID).digest('base64');
    socket.write(['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${accept}`, '', ''].join('\r\n'));
    this.sockets.add(socket);
    socket.on('data', () => undefined); // pings and close frames: not answered (nothing here needs them)
    socket.on('error', () => undefined);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private emit(event: Record<string, unknown>): void {
    const text = JSON.stringify({ ...event, timestamp: ariTime(), application: this.app, asterisk_id: '00:00:00:00:00:01' });
    const frame = textFrame(text);
    this.eventsSent++;
    this.bytesSent += frame.length;
    for (const socket of this.sockets) socket.write(frame);
  }

  // --- ARI's JSON models ---

  private channelJson(c: FakeChannel): Record<string, unknown> {
    return {
      id: c.id, name: c.name, state: c.state, protocol_id: '', accountcode: '', language: 'en', creationtime: c.createdAt,
      caller: { name: '', number: c.caller }, connected: { name: '', number: '' },
      dialplan: { context: 'tollbridge-inbound', exten: c.exten, priority: 2, app_name: 'Stasis', app_data: this.app },
    };
  }

  private bridgeJson(b: FakeBridge): Record<string, unknown> {
    return {
      id: b.id, technology: 'simple_bridge', bridge_type: b.type.startsWith('mixing') ? 'mixing' : 'holding', bridge_class: 'stasis', creator: 'Stasis',
      name: b.name, channels: [...b.members], creationtime: b.createdAt, video_mode: 'none',
    };
  }

  private applicationJson(): Record<string, unknown> {
    const channelIds = [...this.channels.values()].filter((c) => c.subscribed).map((c) => c.id);
    return { name: this.app, channel_ids: channelIds, bridge_ids: [...this.bridges.keys()], endpoint_ids: [], device_names: [], events_allowed: [], events_disallowed: [] };
  }
}
