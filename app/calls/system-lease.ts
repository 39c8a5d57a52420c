// One live bridge process per Asterisk systemname on a database. Bridge processes may share a
// database, each with its own Asterisk; each touches only the legs of its own systemname's
// channels (resync-plan.ts), so two processes with the same systemname would close each
// other's legs. At start the process claims the systemname's lease (db/repositories/system-leases.ts):
// refused while another live process holds it (SystemNameTaken: `tollbridge start` exits 75).
// A holder on this host whose process has ended (kill -9, a crash) is replaced at once, so a
// restart right after a crash works; another host's holder only once its lease expires.
import type { Logger } from 'pino';
import type { LeaseHolder, SystemLease } from '../../db/index.js';
import type { SystemLeasesRepository } from '../../db/repositories/system-leases.js';
import { localHolderGone, thisProcess } from './process-identity.js';

/**
 * How long a lease lasts without renewal: a holder that vanished without a trace (its host
 * died) blocks its systemname this long; long enough that a database pause of a few renewals
 * (a busy SQLite file, a PostgreSQL fail-over) costs nothing.
 */
export const LEASE_TTL_MS = 20_000;
/** Four renewals per TTL: three in a row may fail before the lease lapses. */
export const LEASE_RENEW_MS = 5_000;

/** `tollbridge start`'s exit status when the systemname is held by another live process (EX_TEMPFAIL). */
export const SYSTEM_NAME_TAKEN_EXIT = 75;

export class SystemNameTaken extends Error {
  readonly code = 'SystemNameTaken';

  constructor(readonly lease: SystemLease, when: 'start' | 'running') {
    const { systemName, holder, since } = lease;
    const who = `process ${holder.pid} on host ${holder.host} (holding it since ${new Date(since).toISOString()})`;
    super(
      when === 'start'
        ? `Asterisk systemname ${systemName} is in use by another bridge process on this database: ${who}. ` +
          'Give this bridge its own systemname (TOLLBRIDGE_ASTERISK_SYSTEMNAME, and its own Asterisk instance and ports) or stop the other process first.'
        : `the lease on Asterisk systemname ${systemName} was taken over by ${who}: this process stops taking calls`,
    );
    this.name = 'SystemNameTaken';
  }
}

export interface SystemLeaseOptions {
  ttlMs?: number;
  renewMs?: number;
  /** This process (default: host name, pid, start). */
  holder?: LeaseHolder;
  /** Whether a holder's process is gone (default: a process of this host that ended). */
  holderGone?: (holder: LeaseHolder) => boolean;
}

export class SystemNameLease {
  private timer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> = Promise.resolve();
  private reportLost: (err: SystemNameTaken) => void = () => undefined;
  /** Settles if another process takes the lease while this one runs (the process then stops taking calls). */
  readonly lost = new Promise<SystemNameTaken>((resolve) => (this.reportLost = resolve));

  private constructor(
    private readonly repo: SystemLeasesRepository,
    readonly lease: SystemLease,
    private readonly ttlMs: number,
    private readonly log: Logger,
  ) {}

  /** Claims `systemName` for this process and renews it every LEASE_RENEW_MS; throws SystemNameTaken. */
  static async claim(repo: SystemLeasesRepository, systemName: string, log: Logger, options: SystemLeaseOptions = {}): Promise<SystemNameLease> {
    const ttlMs = options.ttlMs ?? LEASE_TTL_MS;
    const holder = options.holder ?? thisProcess();
    const gone = options.holderGone ?? ((h: LeaseHolder) => localHolderGone(h));
    let claim = await repo.claim(systemName, holder, ttlMs);
    if (!claim.won && gone(claim.lease.holder)) {
      log.warn({ systemName, holder: claim.lease.holder, since: claim.lease.since }, 'systemname lease held by a process of this host that has ended: taking it over');
      claim = await repo.claim(systemName, holder, ttlMs, claim.lease.holder.id);
    }
    if (!claim.won) throw new SystemNameTaken(claim.lease, 'start');
    const lease = new SystemNameLease(repo, claim.lease, ttlMs, log);
    lease.timer = setInterval(() => lease.renewOnce(), options.renewMs ?? LEASE_RENEW_MS);
    lease.timer.unref();
    log.info({ systemName, holder: holder.id, ttlMs }, 'systemname lease claimed');
    return lease;
  }

  private renewOnce(): void {
    this.renewing = this.renewing.then(async () => {
      const { systemName, holder } = this.lease;
      try {
        if (await this.repo.renew(systemName, holder.id, this.ttlMs)) return;
        const now = await this.repo.get(systemName);
        // Gone without a new holder (an operator deleted the row): claim it again.
        if (now === null && (await this.repo.claim(systemName, holder, this.ttlMs)).won) return;
        this.stopRenewing();
        const taken = new SystemNameTaken(now ?? this.lease, 'running');
        this.log.error({ systemName, holder: now?.holder ?? null }, taken.message);
        this.reportLost(taken);
      } catch (err) {
        // The database is away: the lease stays ours unless another process claims it after it expires.
        this.log.warn({ err, systemName }, 'systemname lease not renewed: database error, trying again');
      }
    });
  }

  private stopRenewing(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops renewing and gives the lease up (a clean stop); a failure is logged, the lease then expires. */
  async release(): Promise<void> {
    this.stopRenewing();
    await this.renewing;
    const { systemName, holder } = this.lease;
    try {
      await this.repo.release(systemName, holder.id);
      this.log.info({ systemName }, 'systemname lease released');
    } catch (err) {
      this.log.warn({ err, systemName, expiresInMs: this.ttlMs }, 'systemname lease not released: it expires by itself');
    }
  }
}
