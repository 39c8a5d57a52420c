// A small router over node:http: method + path pattern (":name" segments), JSON in and out,
// and one error shape everywhere: { "error": { "code", "message" } } with a stable code.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError } from '../db/errors.js';

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export interface Request {
  method: string;
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type Reply =
  | { status: number; json: unknown }
  | { status: number; text: string; contentType: string };

export type Handler = (req: Request) => Promise<Reply>;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

const MAX_BODY = 64 * 1024;

/** Domain error codes and the HTTP status each means. */
const STATUS: Record<string, number> = {
  AccountNotFound: 404,
  RoomNotFound: 404,
  NumberNotFound: 404,
  NotSubscribed: 404,
  ApiKeyNotFound: 404,
  LegNotFound: 404,
  EmailTaken: 409,
  NumberExists: 409,
  NumberNotAvailable: 409,
  AlreadySubscribed: 409,
  AccountDeactivated: 409,
  SubscriptionLimit: 429,
  DatabaseBusy: 503,
};

export class Router {
  private readonly routes: Route[] = [];

  /** `onInternalError` hears every error that is not the caller's fault (a 500). */
  constructor(private readonly onInternalError: (err: unknown) => void) {}

  add(method: string, pattern: string, handler: Handler): void {
    this.routes.push({ method, parts: pattern.split('/').filter(Boolean), handler });
  }

  list(): Array<{ method: string; pattern: string }> {
    return this.routes.map((r) => ({ method: r.method, pattern: '/' + r.parts.join('/') }));
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: Reply;
    try {
      reply = await this.dispatch(req);
    } catch (err) {
      reply = errorReply(err);
      if (reply.status === 500) this.onInternalError(err);
    }
    if ('json' in reply) {
      res.writeHead(reply.status, { 'content-type': 'application/json' });
      res.end(reply.status === 204 ? undefined : JSON.stringify(reply.json));
    } else {
      res.writeHead(reply.status, { 'content-type': reply.contentType });
      res.end(reply.text);
    }
  }

  private async dispatch(req: IncomingMessage): Promise<Reply> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = match(route.parts, parts);
      if (params === null) continue;
      pathMatched = true;
      if (route.method !== req.method) continue;
      const body = req.method === 'GET' || req.method === 'DELETE' ? undefined : await readJson(req);
      return route.handler({ method: req.method, path: url.pathname, params, query: url.searchParams, headers: req.headers, body });
    }
    if (pathMatched) throw new HttpError(405, 'MethodNotAllowed', `${req.method ?? '?'} is not allowed on ${url.pathname}`);
    throw new HttpError(404, 'NotFound', `no route ${url.pathname}`);
  }
}

function match(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const v = parts[i] as string;
    if (p.startsWith(':')) params[p.slice(1)] = decodeURIComponent(v);
    else if (p !== v) return null;
  }
  return params;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new HttpError(413, 'BodyTooLarge', `request bodies are limited to ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'BadJson', 'the request body is not valid JSON');
  }
}

export function errorReply(err: unknown): Reply {
  if (err instanceof HttpError) return { status: err.status, json: { error: { code: err.code, message: err.message } } };
  if (err instanceof DomainError) return { status: STATUS[err.code] ?? 400, json: { error: { code: err.code, message: err.message } } };
  return { status: 500, json: { error: { code: 'Internal', message: 'internal error; see the server log' } } };
}

/** Reads a field of a JSON body with its type checked, or fails with a 400 that names it. */
export function field<T extends 'string' | 'number' | 'boolean'>(
  body: unknown,
  name: string,
  type: T,
  required = true,
): (T extends 'string' ? string : T extends 'number' ? number : boolean) | undefined {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (value === undefined) {
    if (required) throw new HttpError(400, 'MissingField', `the body needs "${name}" (${type})`);
    return undefined;
  }
  if (typeof value !== type) throw new HttpError(400, 'BadField', `"${name}" must be a ${type}`);
  return value as T extends 'string' ? string : T extends 'number' ? number : boolean;
}

export const ok = (json: unknown, status = 200): Reply => ({ status, json });
