// Event streams tied to the credential that opened them: a stream ends when its session or API
// key stops authenticating. Signed out, ended by a password change or reset, revoked, the
// account deactivated or erased: heard at once in this process (db/credential-changes.ts);
// ended by another process on the same database (the CLI): found at the next poll; expired: a
// timer at the session's expiry.
import type { Logger } from 'pino';
import type { Credential } from '../db/index.js';

/** How often open streams' credentials are checked for changes made by other processes. */
export const CREDENTIAL_POLL_MS = 30_000;
/** setTimeout's longest delay; a later expiry is found by the poll first anyway. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type StreamEndReason = 'revoked' | 'expired';

export interface CredentialSource {
  isLive(id: number): Promise<boolean>;
  onChange(listener: (accountId: number) => void): () => void;
}

interface Held {
  credential: Credential;
  end: (reason: StreamEndReason) => void;
  expiry: NodeJS.Timeout | null;
}

export class CredentialStreams {
  private readonly held = new Set<Held>();
  private stopHearing: (() => void) | null = null;
  private poll: NodeJS.Timeout | null = null;

  constructor(
    private readonly credentials: CredentialSource,
    private readonly log: Logger,
    private readonly options: { now: () => number; pollMs?: number },
  ) {}

  /** Calls `end` once the credential stops authenticating; returns how to let go first (the stream closed). */
  hold(credential: Credential, end: (reason: StreamEndReason) => void): () => void {
    const entry: Held = { credential, end, expiry: null };
    if (credential.expiresAt !== null) {
      entry.expiry = setTimeout(() => this.finish(entry, 'expired'), Math.min(MAX_TIMER_MS, Math.max(0, credential.expiresAt - this.options.now())));
      entry.expiry.unref();
    }
    this.held.add(entry);
    if (this.held.size === 1) this.start();
    // It may have ended between the request's own check and now.
    this.check([entry]);
    return () => this.release(entry);
  }

  /** How many streams are held now. */
  get size(): number {
    return this.held.size;
  }

  private start(): void {
    this.stopHearing = this.credentials.onChange((accountId) => this.check([...this.held].filter((e) => e.credential.accountId === accountId)));
    this.poll = setInterval(() => this.check([...this.held]), this.options.pollMs ?? CREDENTIAL_POLL_MS);
    this.poll.unref();
  }

  private stop(): void {
    this.stopHearing?.();
    this.stopHearing = null;
    if (this.poll !== null) clearInterval(this.poll);
    this.poll = null;
  }

  private check(entries: Held[]): void {
    for (const entry of entries) {
      void this.credentials.isLive(entry.credential.id).then(
        (live) => {
          if (!live) this.finish(entry, 'revoked');
        },
        (err: unknown) => this.log.warn({ err, credentialId: entry.credential.id }, 'event stream: its credential could not be checked; the next poll checks again'),
      );
    }
  }

  private finish(entry: Held, reason: StreamEndReason): void {
    if (!this.held.has(entry)) return;
    this.release(entry);
    this.log.info({ accountId: entry.credential.accountId, credentialId: entry.credential.id, reason }, 'event stream closed: its credential no longer authenticates');
    entry.end(reason);
  }

  private release(entry: Held): void {
    if (!this.held.delete(entry)) return;
    if (entry.expiry !== null) clearTimeout(entry.expiry);
    if (this.held.size === 0) this.stop();
  }
}
