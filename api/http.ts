// A small router over node:http: method + path pattern (":name" segments), JSON in and out,
// and one error shape everywhere: { "error": { "code", "message" } } with a stable code (and
// "fields" when a refused input names them). API routes come with zod schemas (`endpoint`):
// parsed after authentication, handed to the handler typed, described in /openapi.json.
// Hostile input stops here: a Host outside the allow-list (421), a body that is not JSON on a
// JSON route (415), a malformed URL or body (400, never a 500), an oversized body (413).
// Every response says Cache-Control: no-store (some carry tokens; none should be cached).
import { clientAddress, TrustedProxies } from './client-address.js';
import { sendFile } from './file-send.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError } from '../domain/errors.js';
import { HttpError } from './http-error.js';
import { z } from 'zod';
import { parseInput } from './validation.js';

export { HttpError };

export interface Request {
  method: string;
  path: string;
  /** The route's pattern, e.g. /v1/accounts/:accountId/room. */
  pattern: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** The client's address (the socket's peer). */
  address: string;
  /** Who the request acts as, once authenticated ('operator', 'account:12'): for the audit log. */
  actor?: string;
}

export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; text: string; contentType: string; headers?: Record<string, string>; stream?: EventStreamOpener }
  | { status: number; text: string; contentType: string; headers?: Record<string, string> }
  /** A document made in memory (a statement as PDF). */
  | { status: number; bytes: Buffer; contentType: string; headers?: Record<string, string> }
  /** A file streamed from disk (a recording): never read into memory whole. */
  | { status: number; file: string; contentType: string; headers?: Record<string, string> };

/**
 * A server-sent event stream (text/event-stream): started with a way to send events and a way to
 * end the stream (the server's side), it returns how to stop (called when the stream ends for
 * any reason: the client goes, `close`, the server closes). A reply with `stream` is served as
 * such from the network; `text` is what an in-process caller (the web pages) gets instead.
 */
export type EventStreamOpener = (send: (event: string, data: unknown) => void, close: () => void) => () => void;

/** A comment line on an idle event stream, so proxies and clients see it is alive. */
const STREAM_HEARTBEAT_MS = 15_000;

export type Handler = (req: Request) => Promise<Reply>;

/** How a route reads its body: JSON (the API) or an HTML form (the web pages' POSTs). */
export type BodyKind = 'json' | 'form';

interface Route {
  method: string;
  pattern: string;
  parts: string[];
  handler: Handler;
  body: BodyKind;
  /** 'page' for the web pages: served by this router, but not part of the API's description. */
  audience: RouteAudience;
  /** The route's schemas and answers (every API route added with `route`). */
  doc?: RouteDoc;
}

/** The OpenAPI security schemes: each a bearer token in the Authorization header. */
export type SecurityScheme = 'session' | 'apiKey' | 'operator';

/** Who may call a route, checked before its input is read (a stranger learns nothing of the schemas). */
export interface Auth<A> {
  /** Any one of these is accepted; none: open to anyone. */
  schemes: readonly SecurityScheme[];
  check(req: Request): Promise<A> | A;
}

/** No authentication. */
export const OPEN: Auth<undefined> = { schemes: [], check: () => undefined };

/** A success answer as documented: JSON with its schema, or another media type, or none (204). */
export interface AnswerDoc {
  description: string;
  json?: z.ZodType;
  /** Media types of a non-JSON answer (text/csv, audio/wav, text/event-stream). */
  media?: readonly string[];
}

/** What a route is, for the OpenAPI document (api/openapi.ts). */
export interface RouteDoc {
  method: string;
  pattern: string;
  schemes: readonly SecurityScheme[];
  params: z.ZodObject;
  query: z.ZodObject;
  /** Absent on GET and DELETE (they carry no body). */
  body?: z.ZodObject;
  example?: unknown;
  answers: Readonly<Record<number, AnswerDoc>>;
  /** False: the route itself refuses nothing (its answers are all it gives). */
  refuses: boolean;
}

/** What a handler gets: the request, who it is, and its input parsed and typed. */
export interface RouteInput<A, P, Q, B> {
  req: Request;
  auth: A;
  params: P;
  query: Q;
  body: B;
}

const NONE = z.strictObject({});
type None = typeof NONE;

export interface RouteSpec<A, P extends z.ZodObject, Q extends z.ZodObject, B extends z.ZodObject> {
  method: string;
  /** With ":name" segments, each in `params`. */
  path: string;
  auth: Auth<A>;
  params?: P;
  query?: Q;
  /** POST, PUT and PATCH only; absent there: the body must be empty or {}. */
  body?: B;
  /** A request body as a client would send it: shown in the OpenAPI document, checked against `body` by a test. */
  example?: z.input<B>;
  /** The success answers by status. */
  answers: Readonly<Record<number, AnswerDoc>>;
  /** False: the route itself refuses nothing, its `answers` are all it gives (default true: errors as 4XX/5XX). */
  refuses?: boolean;
  // A method, so a spec with narrower schemas is still a RouteSpec<A, ZodObject, ...> (Router.endpoint).
  handler(input: RouteInput<A, z.output<P>, z.output<Q>, z.output<B>>): Promise<Reply>;
}

/** The query as name -> value; the first of a repeated name counts (as URLSearchParams.get). */
function queryObject(query: URLSearchParams): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of query) if (!Object.hasOwn(values, name)) Object.defineProperty(values, name, { value, enumerable: true, configurable: true, writable: true });
  return values;
}

export type RouteAudience = 'api' | 'page';

/** A request made from inside the process (the web pages calling the API's own routes). */
export interface InternalRequest {
  method: string;
  /** Path and query, e.g. /v1/accounts/1/room. */
  url: string;
  headers: IncomingMessage['headers'];
  body?: unknown;
  address: string;
}

const MAX_BODY = 64 * 1024;
const MAX_URL = 4096;
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** Domain error codes and the HTTP status each means. */
const STATUS: Record<string, number> = {
  AccountNotFound: 404,
  RoomNotFound: 404,
  NumberNotFound: 404,
  NotSubscribed: 404,
  ApiKeyNotFound: 404,
  LegNotFound: 404,
  EmailTaken: 409,
  NotAMember: 404,
  AlreadyMember: 409,
  NotAnOrganization: 403,
  NumberExists: 409,
  NumberNotAvailable: 409,
  AlreadySubscribed: 409,
  AccountDeactivated: 409,
  TooManyApiKeys: 409,
  HashingBusy: 503,
  SubscriptionLimit: 429,
  DatabaseBusy: 503,
  LinkInvalid: 410,
};
/** Seconds a client should wait before retrying, for these codes. */
const RETRY_AFTER: Record<string, string> = { HashingBusy: '1' };

const NO_PROXIES = new TrustedProxies([]);

export interface RouterOptions {
  /** Host names (no port) the API answers to; others get 421. Lower case. */
  allowedHosts: string[];
  /** Hears every error that is not the caller's fault (a 500). */
  onInternalError: (err: unknown) => void;
  /** Called after every successful request that is not a GET (the audit log). */
  onChange?: (req: Request) => Promise<void>;
  /** Proxies whose X-Forwarded-For is believed (TOLLBRIDGE_TRUSTED_PROXIES); absent: none. */
  trustedProxies?: TrustedProxies;
}

export class Router {
  private readonly routes: Route[] = [];
  private readonly allowedHosts: Set<string>;
  /** Event streams open now, ended when the server closes. */
  private readonly streams = new Set<ServerResponse>();

  constructor(private readonly options: RouterOptions) {
    this.allowedHosts = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  }

  add(method: string, pattern: string, handler: Handler, body: BodyKind = 'json', audience: RouteAudience = 'api'): void {
    this.routes.push({ method, pattern, parts: pattern.split('/').filter(Boolean), handler, body, audience });
  }

  /**
   * An API route with its schemas: authentication first (403/401 before any input is judged),
   * then the path parameters (404), the query (400 BadQuery) and the body (400 naming the
   * fields), and the handler gets them parsed and typed.
   */
  endpoint<A, P extends z.ZodObject = None, Q extends z.ZodObject = None, B extends z.ZodObject = None>(spec: RouteSpec<A, P, Q, B>): void {
    this.addEndpoint(spec);
  }

  private addEndpoint<A>(spec: RouteSpec<A, z.ZodObject, z.ZodObject, z.ZodObject>): void {
    const names = [...spec.path.matchAll(/:([A-Za-z0-9]+)/g)].map((m) => m[1] ?? '');
    const params = spec.params ?? NONE;
    const declared = Object.keys(params.shape);
    if (names.join() !== declared.join()) throw new Error(`${spec.method} ${spec.path}: params must declare ${names.join(', ') || 'nothing'}, in order (declared: ${declared.join(', ') || 'nothing'})`);
    const hasBody = BODY_METHODS.has(spec.method);
    if (!hasBody && spec.body !== undefined) throw new Error(`${spec.method} ${spec.path}: a ${spec.method} carries no body`);
    const query = spec.query ?? NONE;
    const body = spec.body ?? NONE;
    const handler: Handler = async (req) => {
      const auth = await spec.auth.check(req);
      // Each part in turn, so a 404 for the path comes before a complaint about the body.
      return spec.handler({
        req,
        auth,
        params: parseInput(params, req.params, 'params'),
        query: parseInput(query, queryObject(req.query), 'query'),
        body: parseInput(body, hasBody && req.body !== undefined ? req.body : {}, 'body'),
      });
    };
    this.add(spec.method, spec.path, handler);
    const route = this.routes[this.routes.length - 1];
    if (route !== undefined) {
      route.doc = {
        method: spec.method,
        pattern: spec.path,
        schemes: spec.auth.schemes,
        params,
        query,
        ...(hasBody ? { body } : {}),
        ...(spec.example === undefined ? {} : { example: spec.example }),
        answers: spec.answers,
        refuses: spec.refuses ?? true,
      };
    }
  }

  /** The JSON API's routes (the OpenAPI document lists these). */
  list(): Array<{ method: string; pattern: string; doc?: RouteDoc }> {
    return this.routes.filter((r) => r.audience === 'api').map((r) => ({ method: r.method, pattern: '/' + r.parts.join('/'), ...(r.doc === undefined ? {} : { doc: r.doc }) }));
  }

  /**
   * Runs a request through the same routes, authorization and audit as one from the network,
   * without a socket: the web pages reach the data only this way.
   */
  async invoke(request: InternalRequest): Promise<Reply> {
    try {
      return await this.route(request.method, request.url, request.headers, request.address, async () => request.body ?? {});
    } catch (err) {
      const reply = errorReply(err);
      if (reply.status === 500) this.options.onInternalError(err);
      return reply;
    }
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      reply = await this.dispatch(req);
    } catch (err) {
      reply = errorReply(err);
      if (reply.status === 500) this.options.onInternalError(err);
    }
    // HEAD runs the GET route (GETs change nothing) and is answered where it serves a file;
    // elsewhere it stays refused, as before.
    if (req.method === 'HEAD' && !('file' in reply) && reply.status < 400) reply = errorReply(new HttpError(405, 'MethodNotAllowed', 'HEAD is allowed on file downloads only'));
    const headersOf = (r: Reply) => ({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...(r.headers ?? {}) });
    if ('file' in reply) {
      const refused = await sendFile(req, res, reply.file, { ...headersOf(reply), 'content-type': reply.contentType });
      if (refused === null) return;
      if (refused.status === 500) this.options.onInternalError(refused.cause);
      if (refused.started) {
        res.destroy();
        return;
      }
      reply = errorReply(new HttpError(refused.status, refused.code, refused.message, refused.headers));
    }
    const headers = headersOf(reply);
    if ('stream' in reply && reply.stream !== undefined && reply.status === 200) {
      this.serveStream(res, reply.stream, headers);
      return;
    }
    if ('json' in reply) {
      res.writeHead(reply.status, { ...headers, 'content-type': 'application/json' });
      res.end(reply.status === 204 ? undefined : JSON.stringify(reply.json));
    } else if ('bytes' in reply) {
      res.writeHead(reply.status, { ...headers, 'content-type': reply.contentType, 'content-length': String(reply.bytes.length) });
      res.end(reply.bytes);
    } else {
      res.writeHead(reply.status, { ...headers, 'content-type': reply.contentType });
      res.end('text' in reply ? reply.text : undefined);
    }
  }

  /** Ends every open event stream (the server is closing: they would hold it open). */
  endStreams(): void {
    for (const res of this.streams) res.end();
    this.streams.clear();
  }

  private serveStream(res: ServerResponse, open: EventStreamOpener, headers: Record<string, string>): void {
    res.writeHead(200, { ...headers, 'content-type': 'text/event-stream', connection: 'keep-alive' });
    res.write(': stream open\n\n');
    this.streams.add(res);
    let stopped = false;
    /** What the opener returned (set once it has returned). */
    const opened: { stop?: () => void } = {};
    const heartbeat = setInterval(() => res.write(': alive\n\n'), STREAM_HEARTBEAT_MS);
    heartbeat.unref();
    const stop = () => {
      if (stopped) return;
      stopped = true;
      clearInterval(heartbeat);
      this.streams.delete(res);
      opened.stop?.();
    };
    const send = (event: string, data: unknown) => {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const close = () => {
      res.end();
      stop();
    };
    opened.stop = open(send, close);
    // Closed while opening: what it opened stops now.
    if (stopped) opened.stop();
    res.on('close', stop);
  }

  private async dispatch(req: IncomingMessage): Promise<Reply> {
    this.checkHost(req.headers.host);
    const address = clientAddress(req.socket.remoteAddress ?? '', req.headers['x-forwarded-for'], this.options.trustedProxies ?? NO_PROXIES);
    return this.route(req.method ?? '', req.url ?? '/', req.headers, address, (kind) => (kind === 'form' ? readForm(req) : readJson(req)));
  }

  private async route(method: string, rawUrl: string, headers: IncomingMessage['headers'], address: string, readBody: (kind: BodyKind) => Promise<unknown>): Promise<Reply> {
    if (!rawUrl.startsWith('/') || rawUrl.startsWith('//') || rawUrl.length > MAX_URL) throw new HttpError(400, 'BadUrl', 'the request target must be a path of at most 4096 characters');
    let url: URL;
    try {
      url = new URL(rawUrl, 'http://localhost');
    } catch {
      throw new HttpError(400, 'BadUrl', 'the request target is not a URL');
    }
    const parts = url.pathname.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = match(route.parts, parts);
      if (params === null) continue;
      pathMatched = true;
      if (route.method !== method && !(method === 'HEAD' && route.method === 'GET')) continue;
      const body = BODY_METHODS.has(method) ? await readBody(route.body) : undefined;
      const request: Request = { method, path: url.pathname, pattern: route.pattern, params, query: url.searchParams, headers, body, address };
      const reply = await route.handler(request);
      // Pages are not audited themselves: the API routes they call are, once each.
      if (method !== 'GET' && method !== 'HEAD' && reply.status < 400 && route.audience === 'api' && this.options.onChange !== undefined) await this.options.onChange(request);
      return reply;
    }
    if (pathMatched) throw new HttpError(405, 'MethodNotAllowed', `${method.slice(0, 10)} is not allowed on this path`);
    throw new HttpError(404, 'NotFound', 'no such route');
  }

  private checkHost(host: string | undefined): void {
    if (host === undefined || host === '') throw new HttpError(400, 'MissingHost', 'the request needs a Host header');
    const name = /^(\[[0-9a-f:.]+\]|[^:]+)(:\d{1,5})?$/i.exec(host)?.[1]?.toLowerCase();
    if (name === undefined || !this.allowedHosts.has(name)) {
      throw new HttpError(421, 'MisdirectedRequest', 'this API does not answer for that host name (TOLLBRIDGE_API_ALLOWED_HOSTS)');
    }
  }
}

function match(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const v = parts[i] as string;
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(v);
      } catch {
        throw new HttpError(400, 'BadUrl', 'the path has a malformed %-escape');
      }
    } else if (p !== v) return null;
  }
  return params;
}

function isJson(contentType: string | undefined): boolean {
  const mime = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return mime === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(mime);
}

async function readBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'BodyTooLarge', `request bodies are limited to ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** An HTML form (application/x-www-form-urlencoded) as name -> value; the last value of a repeated name wins. */
async function readForm(req: IncomingMessage): Promise<Record<string, string>> {
  const bytes = await readBytes(req);
  const mime = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (bytes.length > 0 && mime !== 'application/x-www-form-urlencoded') throw new HttpError(415, 'UnsupportedMediaType', 'send the form as application/x-www-form-urlencoded');
  const form = Object.create(null) as Record<string, string>;
  for (const [name, value] of new URLSearchParams(bytes.toString('utf8'))) form[name] = value;
  return form;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const bytes = await readBytes(req);
  const size = bytes.length;
  if (size === 0) return {};
  // A cross-site form or text/plain POST needs no preflight: only JSON is read.
  if (!isJson(req.headers['content-type'])) throw new HttpError(415, 'UnsupportedMediaType', 'send the body as JSON with Content-Type: application/json');
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'BadJson', 'the request body is not valid JSON');
  }
}

export function errorReply(err: unknown): Reply {
  if (err instanceof HttpError) return { status: err.status, json: { error: { code: err.code, message: err.message, ...(err.fields.length === 0 ? {} : { fields: err.fields }) } }, headers: err.headers };
  if (err instanceof DomainError) {
    const retry = RETRY_AFTER[err.code];
    return { status: STATUS[err.code] ?? 400, json: { error: { code: err.code, message: err.message } }, ...(retry === undefined ? {} : { headers: { 'retry-after': retry } }) };
  }
  return { status: 500, json: { error: { code: 'Internal', message: 'internal error; see the server log' } } };
}

export const ok = (json: unknown, status = 200, headers?: Record<string, string>): Reply => ({ status, json, ...(headers === undefined ? {} : { headers }) });
