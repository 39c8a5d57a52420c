// The ARI REST calls on the caller's path, made directly over one keep-alive HTTP agent.
// ari-client stays the app's websocket (events, reconnects) and its REST for everything rare,
// but each of its requests goes through swagger-client, shred, lodash and a deprecated
// `new Buffer` for the auth header: in a profile of 120 callers (bench/load.ts, `--cpu-prof`)
// that path was about 35 % of the app's CPU, for the five or six requests each caller needs.
// Here a request is a path, a query string and a status code.
import fs from 'node:fs';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';

/** A request ARI answered with a status other than 2xx (or that failed on the way). */
export class AriRequestError extends Error {
  constructor(
    message: string,
    /** The HTTP status; 0 when the request never got an answer. */
    readonly status: number,
  ) {
    super(message);
    this.name = 'AriRequestError';
  }
}

/** The requests of the caller's path (AriRest makes them; tests may fake them). */
export interface AriCallRequests {
  answer(channelId: string): Promise<void>;
  hangup(channelId: string, reason?: string): Promise<void>;
  play(channelId: string, media: readonly string[], playbackId: string): Promise<void>;
  stopPlayback(playbackId: string): Promise<void>;
  addChannel(bridgeId: string, channelIds: readonly string[], role: string): Promise<void>;
  setChannelVar(channelId: string, variable: string, value: string): Promise<void>;
  subscribe(app: string, eventSource: string): Promise<void>;
  unsubscribe(app: string, eventSource: string): Promise<void>;
}

type Query = Record<string, string | readonly string[] | undefined>;

/**
 * Hears how long each ARI request took (GET /metrics). `operation` is ari-client's name for it
 * (resource.operation: channels.answer, bridges.addChannel, ...), a small fixed set.
 */
export interface AriRequestTimer {
  observe(operation: string, seconds: number, ok: boolean): void;
}

export const NO_REQUEST_TIMER: AriRequestTimer = { observe: () => undefined };

/** Requests slower than this are given up (ARI answers in milliseconds; a stuck socket must not hold a call). */
const REQUEST_TIMEOUT_MS = 15_000;

export class AriRest implements AriCallRequests {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  private readonly base: URL;
  private readonly authorization: string;
  /** Set by the app when it exports metrics. */
  timer: AriRequestTimer = NO_REQUEST_TIMER;

  constructor(url: string, user: string, password: string) {
    this.base = new URL(url);
    this.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  }

  answer(channelId: string): Promise<void> {
    return this.send('channels.answer', 'POST', `/channels/${enc(channelId)}/answer`);
  }

  /** `reason`: an ARI hang-up reason (normal, busy, congestion, no_answer, ...). */
  hangup(channelId: string, reason?: string): Promise<void> {
    return this.send('channels.hangup', 'DELETE', `/channels/${enc(channelId)}`, { reason });
  }

  play(channelId: string, media: readonly string[], playbackId: string): Promise<void> {
    return this.send('channels.playWithId', 'POST', `/channels/${enc(channelId)}/play/${enc(playbackId)}`, { media });
  }

  stopPlayback(playbackId: string): Promise<void> {
    return this.send('playbacks.stop', 'DELETE', `/playbacks/${enc(playbackId)}`);
  }

  addChannel(bridgeId: string, channelIds: readonly string[], role: string): Promise<void> {
    return this.send('bridges.addChannel', 'POST', `/bridges/${enc(bridgeId)}/addChannel`, { channel: channelIds, role });
  }

  setChannelVar(channelId: string, variable: string, value: string): Promise<void> {
    return this.send('channels.setChannelVar', 'POST', `/channels/${enc(channelId)}/variable`, { variable, value });
  }

  subscribe(app: string, eventSource: string): Promise<void> {
    return this.send('applications.subscribe', 'POST', `/applications/${enc(app)}/subscription`, { eventSource });
  }

  unsubscribe(app: string, eventSource: string): Promise<void> {
    return this.send('applications.unsubscribe', 'DELETE', `/applications/${enc(app)}/subscription`, { eventSource });
  }

  /**
   * Streams a stored recording (GET /recordings/stored/{name}/file) into `file`; its size in
   * bytes. Not on the caller's path: a finished conference recording taken out of Asterisk.
   */
  downloadStored(name: string, file: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          hostname: this.base.hostname,
          port: this.base.port,
          method: 'GET',
          path: `${this.base.pathname.replace(/\/$/, '')}/ari/recordings/stored/${enc(name)}/file`,
          headers: { authorization: this.authorization },
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new AriRequestError(`GET stored recording ${name}: ${res.statusCode ?? 0}`, res.statusCode ?? 0));
            return;
          }
          const out = fs.createWriteStream(file, { mode: 0o640 });
          pipeline(res, out).then(() => resolve(out.bytesWritten), reject);
        },
      );
      req.once('error', (err) => reject(new AriRequestError(`GET stored recording ${name}: ${err.message}`, 0)));
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }

  private send(operation: string, method: 'POST' | 'DELETE', path: string, query: Query = {}): Promise<void> {
    const search = queryString(query);
    const started = performance.now();
    const timer = this.timer;
    const done = (ok: boolean) => timer.observe(operation, (performance.now() - started) / 1000, ok);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          hostname: this.base.hostname,
          port: this.base.port,
          method,
          path: `${this.base.pathname.replace(/\/$/, '')}/ari${path}${search}`,
          headers: { authorization: this.authorization, 'content-length': '0' },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            res.resume(); // the bodies of these calls are not needed
            res.once('end', () => {
              done(true);
              resolve();
            });
            return;
          }
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.once('end', () => {
            done(false);
            reject(new AriRequestError(`${method} ${path}: ${status} ${errorMessage(body)}`, status));
          });
        },
      );
      req.once('timeout', () => req.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS} ms`)));
      req.once('error', (err) => {
        done(false);
        reject(new AriRequestError(`${method} ${path}: ${err.message}`, 0));
      });
      req.end();
    });
  }
}

const enc = encodeURIComponent;

/** ARI takes lists as comma-separated values (as ari-client sends them). */
function queryString(query: Query): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : value.join(',');
    parts.push(`${enc(name)}=${enc(text)}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** ARI's error bodies are {"message": "..."}. */
function errorMessage(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed && typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: the text as it came
  }
  return body.slice(0, 200);
}
