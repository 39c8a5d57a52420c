// What the owner's pages share: web/pages.ts builds it, the organization and "my data" pages
// use it. The API is reached only in-process (Router.invoke) with the visitor's session token.
import type { BodyKind, Handler, Reply, Request } from '../api/http.js';
import type { RoomShown } from '../api/schemas.js';
import type { Account } from '../db/index.js';
import type { Html } from './html.js';
import type { PageFrame } from './layout.js';

/** An answer from one of the API's routes. */
export interface ApiAnswer<T> {
  status: number;
  body: T;
  error?: { code: string; message: string };
}

/** A browser's live session: its token, account and the CSRF token of its forms. */
export interface Session {
  token: string;
  accountId: number;
  csrf: string;
}

/** What a signed-in page knows about its visitor, read through the API. */
export interface Visitor extends Session {
  account: Account;
  /** null for an organization's administrator: that account has no room. */
  /** The room as GET room answers it. */
  room: RoomShown | null;
  /** The organization a personal account belongs to, and its numbers (they reach the member's room). */
  organization: { id: number; name: string; numbers: string[] } | null;
}

export interface PageKit {
  now: () => number;
  /** Registers a page route (its refusals answer as HTML pages). */
  add: (method: string, pattern: string, handler: Handler, body?: BodyKind) => void;
  /** One of the API's routes, in-process, as the visitor: its reply as is (a file, an event stream). */
  invoke: (req: Request, method: string, url: string, token?: string, body?: unknown) => Promise<Reply>;
  /** One of the API's routes, in-process, as the visitor. */
  call: <T>(req: Request, method: string, url: string, token?: string, body?: unknown) => Promise<ApiAnswer<T>>;
  /** The API's answer, or an HttpError carrying its status and message. */
  must: <T>(answer: Promise<ApiAnswer<T>>) => Promise<T>;
  /** A signed-in page of any account (personal or administrator); POSTs must carry the CSRF token. */
  signedInPage: (handler: (req: Request, v: Visitor) => Promise<Reply>, options?: { pinsFirst?: boolean }) => Handler;
  /** Runs a form's API call; an API refusal re-renders the page with its message. */
  orShow: (attempt: () => Promise<Reply>, again: (message: string) => Promise<Reply>) => Promise<Reply>;
  frame: (v: Visitor, req: Request, title: string, extra?: Partial<PageFrame>) => PageFrame;
  htmlReply: (body: Html, status?: number, headers?: Record<string, string>) => Reply;
  redirect: (location: string, headers?: Record<string, string>) => Reply;
  formOf: (req: Request) => Record<string, string>;
  /** /v1/accounts/<the visitor's id> */
  base: (v: Session) => string;
  /** The Set-Cookie value that forgets the session cookie. */
  signedOutCookie: (req: Request) => string;
}
