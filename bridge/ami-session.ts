// Asterisk's Manager Interface (AMI) over asterisk-manager: one logged-in connection that
// comes back by itself (capped backoff) whenever Asterisk restarts or the TCP link drops, a
// typed view of its events (keys lower-cased, as asterisk-manager gives them) and actions as
// promises with a timeout. tollbridge listens to CEL events here (Asterisk's own record of
// each channel); asterisk-manager's own reconnect is not used (it logs to stdout and stops
// backing off at 60 s with a fixed step).
import AsteriskManager, { type Manager } from 'asterisk-manager';
import type { Logger } from 'pino';

export type AmiEvent = Record<string, string | undefined>;

export interface AmiEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** First and longest wait before dialling again (ms). */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;
const ACTION_TIMEOUT_MS = 10_000;

/** asterisk-manager repeats a key as an array and nests variables: keep the first plain value. */
function flatten(message: Record<string, unknown>): AmiEvent {
  const out: AmiEvent = {};
  for (const [key, value] of Object.entries(message)) {
    if (typeof value === 'string') out[key] = value;
    else if (Array.isArray(value) && typeof value[0] === 'string') out[key] = value[0];
  }
  return out;
}

export class AmiSession {
  private manager: Manager | undefined;
  private readonly handlers = new Map<string, Array<(event: AmiEvent) => void>>();
  private retryMs = RETRY_FIRST_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private loggedIn = false;
  private readonly loginWaiters: Array<() => void> = [];
  /** Event names listened to, as Asterisk spells them (the session's filters). */
  private readonly eventNames: string[] = [];
  /** Times the session logged in (1 after the first connect; more after reconnects). */
  logins = 0;

  constructor(
    private readonly endpoint: AmiEndpoint,
    private readonly log: Logger,
  ) {}

  /** Starts connecting (and keeps reconnecting); resolves once logged in, or rejects after `timeoutMs`. */
  async start(timeoutMs = 10_000): Promise<void> {
    this.dial();
    await this.ready(timeoutMs);
  }

  get connected(): boolean {
    return this.loggedIn;
  }

  /** Resolves when logged in (now, or after the next reconnect). */
  ready(timeoutMs: number): Promise<void> {
    if (this.loggedIn) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`AMI: not logged in to ${this.endpoint.host}:${this.endpoint.port} within ${timeoutMs} ms`)), timeoutMs);
      this.loginWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * `name` is the event name as Asterisk spells it, e.g. 'CEL', 'SoftHangupRequest'. Only the
   * events someone listens to cross the connection: each name becomes a whitelist filter of
   * the session (AMI's Filter action), so a big room's VarSet and Newexten floods stay in Asterisk.
   */
  onEvent(name: string, handler: (event: AmiEvent) => void): void {
    const key = name.toLowerCase();
    const list = this.handlers.get(key) ?? [];
    list.push(handler);
    this.handlers.set(key, list);
    if (!this.eventNames.includes(name)) {
      this.eventNames.push(name);
      if (this.loggedIn && this.manager !== undefined) this.allow(name);
    }
  }

  /** Adds a whitelist filter for one event name (best effort: without it, all events come). */
  private allow(name: string): void {
    // The app's own AMI user has no "system" write rights (sip-config/manager.conf filters its
    // events itself): the refusal is expected there, so it is noted at debug level only.
    this.action({ action: 'Filter', operation: 'Add', filter: `Event: ${name}` }).catch((err: unknown) =>
      this.log.debug({ err, event: name }, 'AMI Filter action refused: relying on manager.conf eventfilter'),
    );
  }

  /** Sends an action; resolves with Asterisk's response, rejects on an error response or timeout. */
  action(fields: Record<string, string>): Promise<AmiEvent> {
    const manager = this.manager;
    if (manager === undefined || !this.loggedIn) return Promise.reject(new Error('AMI is not connected'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`AMI action ${fields.action ?? '?'} got no response in ${ACTION_TIMEOUT_MS} ms`)), ACTION_TIMEOUT_MS).unref();
      manager.action(fields, (err, response) => {
        clearTimeout(timer);
        if (err !== undefined) reject(new Error(`AMI action ${fields.action ?? '?'} failed: ${String(flatten(err).message ?? 'error')}`));
        else resolve(flatten(response));
      });
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.drop();
  }

  private dial(): void {
    if (this.closed) return;
    // Port 0: the constructor does not connect by itself; we connect and log in below.
    const manager = AsteriskManager(0, this.endpoint.host, this.endpoint.user, this.endpoint.password, true);
    this.manager = manager;
    manager.on('managerevent', (message) => {
      const event = flatten(message);
      const name = (event.event ?? '').toLowerCase();
      for (const handler of this.handlers.get(name) ?? []) handler(event);
    });
    manager.on('error', (err) => this.log.debug({ err }, 'AMI connection error'));
    manager.on('close', () => {
      if (this.manager !== manager) return;
      const wasUp = this.loggedIn;
      this.drop();
      if (wasUp) this.log.warn({ host: this.endpoint.host, port: this.endpoint.port }, 'AMI connection lost: reconnecting');
      this.scheduleRetry();
    });
    manager.connect(this.endpoint.port, this.endpoint.host, (err) => {
      if (err !== null) return;
      manager.login((loginErr) => {
        if (loginErr !== undefined) {
          this.log.error({ user: this.endpoint.user, message: flatten(loginErr).message }, 'AMI login refused: check TOLLBRIDGE_AMI_USER/PASSWORD');
          return;
        }
        if (this.manager !== manager) return;
        this.loggedIn = true;
        this.logins++;
        this.retryMs = RETRY_FIRST_MS;
        this.log.info({ host: this.endpoint.host, port: this.endpoint.port, logins: this.logins }, 'AMI connected');
        for (const name of this.eventNames) this.allow(name);
        for (const waiter of this.loginWaiters.splice(0)) waiter();
      });
    });
  }

  private drop(): void {
    const manager = this.manager;
    this.manager = undefined;
    this.loggedIn = false;
    if (manager === undefined) return;
    manager.removeAllListeners('managerevent');
    manager.removeAllListeners('close');
    manager.on('error', () => undefined);
    manager.disconnect();
  }

  private scheduleRetry(): void {
    if (this.closed) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.dial(), this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
  }
}
