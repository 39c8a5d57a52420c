// GET /health for supervisors and load balancers: can this process take calls now? 200 when
// it can, 503 when it cannot (database unreachable or slow, ARI disconnected, stopping). The
// body is small and holds no personal data: states, counts and problem codes, never error text.
import type { Knex } from 'knex';

/**
 * What the running process can report beyond the database. Each part is optional: `tollbridge
 * api` has none (database only); `tollbridge start` adds the bridge; an AMI client and a ledger
 * journal plug in theirs.
 */
export interface HealthSources {
  bridge?: { ariConnected(): boolean; liveCalls(): number; draining(): boolean };
  ami?: { connected(): boolean | Promise<boolean> };
  /** Ledger writes waiting in the local journal for the database. */
  journal?: { backlog(): number | Promise<number> };
}

/** A problem that stops the process taking calls (503), or one only reported (200). */
export type HealthProblem = 'database-unreachable' | 'database-timeout' | 'ari-disconnected' | 'draining' | 'ami-disconnected';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  problems: HealthProblem[];
  database: { ok: boolean };
  ari?: { connected: boolean };
  ami?: { connected: boolean };
  journal?: { backlog: number };
  calls?: { live: number; draining: boolean };
}

/** A health check must answer quickly even when the database does not. */
export const HEALTH_DB_TIMEOUT_MS = 1_000;

/** Problems that still let the bridge take calls (reported, HTTP 200). */
const TOLERATED: ReadonlySet<HealthProblem> = new Set(['ami-disconnected']);

/** One trivial query, bounded: 'ok', 'timeout', or 'unreachable' (with the error, for the log). */
export async function pingDatabase(knex: Knex, timeoutMs: number): Promise<{ state: 'ok' | 'timeout' | 'unreachable'; err?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ state: 'timeout' }>((resolve) => (timer = setTimeout(() => resolve({ state: 'timeout' }), timeoutMs)));
  const query = knex.raw('select 1').then(
    () => ({ state: 'ok' as const }),
    (err: unknown) => ({ state: 'unreachable' as const, err }),
  );
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(knex: Knex, sources: HealthSources, timeoutMs = HEALTH_DB_TIMEOUT_MS, onDatabaseError: (err: unknown) => void = () => undefined): Promise<HealthReport> {
  const problems: HealthProblem[] = [];
  const ping = await pingDatabase(knex, timeoutMs);
  if (ping.state === 'unreachable') {
    problems.push('database-unreachable');
    onDatabaseError(ping.err);
  } else if (ping.state === 'timeout') {
    problems.push('database-timeout');
  }
  const report: Omit<HealthReport, 'status' | 'problems'> = { database: { ok: ping.state === 'ok' } };
  const { bridge, ami, journal } = sources;
  if (bridge !== undefined) {
    const ariConnected = bridge.ariConnected();
    const draining = bridge.draining();
    if (!ariConnected) problems.push('ari-disconnected');
    if (draining) problems.push('draining');
    report.ari = { connected: ariConnected };
    report.calls = { live: bridge.liveCalls(), draining };
  }
  if (ami !== undefined) {
    const connected = await ami.connected();
    if (!connected) problems.push('ami-disconnected');
    report.ami = { connected };
  }
  if (journal !== undefined) report.journal = { backlog: await journal.backlog() };
  const unavailable = problems.some((p) => !TOLERATED.has(p));
  return { status: unavailable ? 'unavailable' : 'ok', problems, ...report };
}
