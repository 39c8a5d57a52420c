// Configuration comes from environment variables, each with a documented default (README,
// "Configuration"). It is validated once at start-up so a bad value fails with a message that
// says which variable and how to fix it, instead of a confusing error mid-call.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.js';
import { TrustedProxies } from './trusted-proxies.js';
import type { CallLimits, OwnerLimits } from '../domain/limits.js';
import { PUBLIC_TEST_DATA_KEY } from './data-key.js';
import type { PinKeyring } from './pin-keys.js';
import { fileKeyring } from './pin-keyring.js';
import { loadOrCreateSecrets, SecretsFileError, type InstallationSecrets } from './secrets-file.js';

/** The PIN secret every installation had before secrets were generated: public, so refused outside development mode. */
export const DEVELOPMENT_PIN_SECRET = 'tollbridge-development-pin-secret';
/** The ARI/AMI password every installation had before they were generated: public, refused outside development mode. */
const OLD_PUBLIC_PASSWORD = 'tollbridge-local';

export interface AsteriskConfig {
  /** Debian root holding Asterisk 22 (built by asterisk/build-root.sh). */
  root: string;
  /** true: tollbridge starts and stops its own Asterisk from `root`; false: connect to `host`. */
  managed: boolean;
  /** Where ARI listens (loopback for a managed Asterisk). */
  host: string;
  /** Instance name: separates config, run, spool and log dirs so tests can run beside `npm start`. */
  instance: string;
  sipPort: number;
  ariPort: number;
  amiPort: number;
  rtpStart: number;
  rtpEnd: number;
  ariUser: string;
  ariPassword: string;
  amiUser: string;
  amiPassword: string;
  ariApp: string;
  /**
   * Asterisk's `systemname`: the prefix of its channel ids (e.g. `main-1764622345.12`), so
   * ids are unique across Asterisk servers sharing one ledger.
   */
  systemName: string;
  /**
   * AMI rights for diagnostics beyond what the app uses (the Command action, DTMF events):
   * TOLLBRIDGE_AMI_DIAGNOSTICS, for the load bench only. Never originate.
   */
  amiDiagnostics: boolean;
  /** The user (and group of the same name) Asterisk runs as after start, from the root's /etc/passwd; 'root' keeps root. */
  runUser: string;
  /** Source addresses (IPs or CIDRs) whose INVITEs are accepted as the carrier's. */
  carrierIps: string[];
  /** Asterisk hangs up a caller who sent no RTP for this long (pjsip rtp_timeout; 0: never). */
  rtpTimeoutS: number;
  /** The same while the caller has put the call on hold (pjsip rtp_timeout_hold; 0: never). */
  rtpHoldTimeoutS: number;
  /** SIP session timers (RFC 4028, pjsip `timers`): yes (when the carrier supports them), forced (always), no. */
  sessionTimers: 'yes' | 'forced' | 'no';
  /** Session-Expires asked for, in seconds (pjsip timers_sess_expires; at least 90). */
  sessionExpiresS: number;
  /**
   * Recorded prompts of languages with no Debian package, by language code: each directory
   * holds files named like Asterisk's (conf-getpin.wav, ...) and is copied into the root's
   * sounds/<code> when tollbridge starts its Asterisk.
   */
  promptDirs: Record<string, string>;
  /**
   * Asterisk's CEL file (cel_custom JSON) that a resync reads for the real end of calls that
   * ended while the app was away. TOLLBRIDGE_CEL_FILE; null: a managed Asterisk's own file, and
   * none for an external one (its file lives on its host: mount it and name it here).
   */
  celFile: string | null;
}

export type DatabaseConfig =
  | { client: 'sqlite'; filename: string }
  | { client: 'postgres'; url: string };

export interface ApiConfig {
  /** HTTP API port on `host` (0: do not serve). */
  port: number;
  host: string;
  /** Bearer token for operator routes; empty: operator routes are closed. */
  operatorToken: string;
  /** Host names (Host header, without port) the API answers to beyond localhost and `host`. */
  allowedHosts: string[];
  /** Bearer token GET /metrics needs; empty: none. */
  metricsToken: string;
  /** Proxies whose X-Forwarded-For names the client: addresses and CIDR blocks. */
  trustedProxies: string[];
}

export interface MailConfig {
  /** smtp://host:port (or smtps://user:pass@host:port); empty: mail is logged, not sent. */
  smtpUrl: string;
  from: string;
}

/**
 * PIN guessing limits (README "Security"): failures counted per room and PIN kind and per calling
 * number (in the database), locks, the pause after a failure, caps on calls still in the IVR,
 * and what PINs may be set.
 */
export interface PinGuessingConfig {
  /** Wrong PINs within the window that lock entry with a room's moderator / participant PIN. */
  roomLockAfter: { moderator: number; participant: number };
  /** Wrong PINs from one calling number, across rooms, within the window, that lock that caller. */
  callerLockAfter: number;
  lockMs: number;
  windowMs: number;
  /** The pause before the next PIN prompt after the first wrong PIN; doubles per failure up to maxPauseMs. */
  pauseMs: number;
  maxPauseMs: number;
  /** Calls answered but not yet in a room, per dialled number and per calling number (per process); 0: no cap. */
  maxUnauthenticatedPerNumber: number;
  maxUnauthenticatedPerCaller: number;
  /** Of the calls per dialled number, those that already failed an entry (guessing); 0: no separate cap. */
  maxFailingPerNumber: number;
  /** Shortest moderator PIN that may be set (4-8). */
  moderatorPinMinDigits: number;
}

export interface Config {
  api: ApiConfig;
  /** Limits on a caller's stay enforced by the app, in ms; 0: off. */
  limits: CallLimits;
  pinGuessing: PinGuessingConfig;
  mail: MailConfig;
  asterisk: AsteriskConfig;
  database: DatabaseConfig;
  logLevel: string;
  /** Server-side keys for PIN hashing (HMAC), kept outside the database: the secrets file, plus key 0 (TOLLBRIDGE_PIN_SECRET) if set. */
  pinKeys: PinKeyring;
  /** The file holding the generated secrets (0600). */
  secretsFile: string;
  /** true when this load created the secrets file (a first start). */
  secretsCreated: boolean;
  /** TOLLBRIDGE_DEV_MODE: public development secrets allowed. Never in production. */
  devMode: boolean;
  /** What an account owner may do with numbers (abuse limits). */
  owners: OwnerLimits;
  /** SQLite: how long a write waits for another process's write before it gives up (busy_timeout). */
  sqliteBusyMs: number;
  /** Days a released number rests before anyone else may subscribe to it. */
  quarantineDays: number;
  /**
   * Key of caller numbers and e-mail addresses at rest, kept outside the database: the secrets
   * file's, or TOLLBRIDGE_DATA_KEY / the file named by TOLLBRIDGE_DATA_KEY_FILE when set.
   */
  dataKey: string;
  /** Caller numbers in ledger legs answered longer ago than this are erased (daily). */
  callerRetentionDays: number;
  /** The languages a room may be set to; null: those the Asterisk root has prompts in (ivr/languages.ts). */
  roomLanguages: string[] | null;
  /** On SIGTERM/SIGINT, how long calls in progress may go on before they are ended. */
  drainSeconds: number;
  dataDir: string;
  /** The ledger's local journal: every leg open/close is fsync'd here before the database (default per systemname). */
  ledgerJournalDir: string;
  /** With the default journal folder: the one folder of older versions, whose records move into ledgerJournalDir once. */
  sharedLedgerJournalDir: string | null;
  /** true: fdatasync each group of journal records before the caller goes on (power-cut safe). */
  ledgerJournalSync: boolean;
  /** Where finished conference recordings are kept (TOLLBRIDGE_RECORDINGS_DIR; default <data dir>/recordings). */
  recordingsDir: string;
  /** Conference recordings started longer ago than this are deleted, file and row (daily). */
  recordingRetentionDays: number;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function port(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new ConfigError(name, `"${raw}" is not a port number (1-65535)`);
  }
  return value;
}

/** pino's levels, quietest last. */
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const found = allowed.find((a) => a === raw);
  if (found === undefined) throw new ConfigError(name, `"${raw}" is not one of ${allowed.join(', ')}`);
  return found;
}

function text(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/\s/.test(raw)) throw new ConfigError(name, 'must not contain spaces');
  return raw;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw)) return true;
  if (['0', 'false', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `"${raw}" is not yes/no (1/0, true/false)`);
}

/** A whole number of seconds from `min` to `max`, or 0 (off) when `zeroAllowed`. */
function seconds(env: Env, name: string, fallback: number, { min = 1, max = 7 * 86_400, zeroAllowed = true } = {}): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  const ok = /^\d+$/.test(raw) && ((zeroAllowed && value === 0) || (value >= min && value <= max));
  if (!ok) throw new ConfigError(name, `"${raw}" is not a whole number of seconds from ${min} to ${max}${zeroAllowed ? ' (0: off)' : ''}`);
  return value;
}

function sessionTimers(env: Env): 'yes' | 'forced' | 'no' {
  const raw = env.TOLLBRIDGE_SESSION_TIMERS ?? '';
  if (raw === '') return 'yes';
  if (raw === 'yes' || raw === 'forced' || raw === 'no') return raw;
  throw new ConfigError('TOLLBRIDGE_SESSION_TIMERS', `"${raw}" is not yes (when the carrier supports them), forced or no`);
}

function limits(env: Env): CallLimits {
  return {
    moderatorWaitMs: seconds(env, 'TOLLBRIDGE_MAX_MODERATOR_WAIT_S', 1800) * 1000,
    aloneMs: seconds(env, 'TOLLBRIDGE_MAX_ALONE_S', 600) * 1000,
    maxLegMs: seconds(env, 'TOLLBRIDGE_MAX_LEG_S', 14_400) * 1000,
    placementMs: seconds(env, 'TOLLBRIDGE_PLACEMENT_TIMEOUT_S', 5, { min: 1, max: 60, zeroAllowed: false }) * 1000,
  };
}

/** A whole number from `min` to `max`. */
function whole(env: Env, name: string, fallback: number, min: number, max: number, unit = ''): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d{1,9}$/.test(raw) || value < min || value > max) throw new ConfigError(name, `"${raw}" is not a whole number${unit} from ${min} to ${max}`);
  return value;
}

function pinGuessing(env: Env): PinGuessingConfig {
  const pauseMs = whole(env, 'TOLLBRIDGE_PIN_PAUSE_MS', 1_000, 0, 60_000, ' of ms');
  const maxPauseMs = whole(env, 'TOLLBRIDGE_PIN_MAX_PAUSE_MS', 8_000, 0, 120_000, ' of ms');
  if (maxPauseMs < pauseMs) throw new ConfigError('TOLLBRIDGE_PIN_MAX_PAUSE_MS', `must be at least TOLLBRIDGE_PIN_PAUSE_MS (${pauseMs})`);
  return {
    roomLockAfter: {
      moderator: whole(env, 'TOLLBRIDGE_PIN_MODERATOR_LOCK_AFTER', 10, 1, 1000),
      participant: whole(env, 'TOLLBRIDGE_PIN_PARTICIPANT_LOCK_AFTER', 10, 1, 1000),
    },
    callerLockAfter: whole(env, 'TOLLBRIDGE_PIN_CALLER_LOCK_AFTER', 10, 1, 1000),
    lockMs: seconds(env, 'TOLLBRIDGE_PIN_LOCK_S', 172_800, { min: 60, max: 30 * 86_400, zeroAllowed: false }) * 1000,
    windowMs: seconds(env, 'TOLLBRIDGE_PIN_WINDOW_S', 172_800, { min: 60, max: 30 * 86_400, zeroAllowed: false }) * 1000,
    pauseMs,
    maxPauseMs,
    maxUnauthenticatedPerNumber: whole(env, 'TOLLBRIDGE_MAX_IVR_CALLS_PER_NUMBER', 400, 0, 100_000),
    maxFailingPerNumber: whole(env, 'TOLLBRIDGE_MAX_IVR_FAILING_PER_NUMBER', 50, 0, 100_000),
    maxUnauthenticatedPerCaller: whole(env, 'TOLLBRIDGE_MAX_IVR_CALLS_PER_CALLER', 10, 0, 100_000),
    moderatorPinMinDigits: whole(env, 'TOLLBRIDGE_MODERATOR_PIN_MIN_DIGITS', 4, 4, 8, ' of digits'),
  };
}

const IPV4_OR_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/\d{1,2})?$/;

function carrierIps(env: Env): string[] {
  const raw = env.TOLLBRIDGE_CARRIER_IPS ?? '127.0.0.1';
  const list = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) throw new ConfigError('TOLLBRIDGE_CARRIER_IPS', 'needs at least one address');
  for (const ip of list) {
    const m = IPV4_OR_CIDR.exec(ip);
    const octetsOk = m !== null && [m[1], m[2], m[3], m[4]].every((o) => Number(o) <= 255);
    if (!octetsOk) throw new ConfigError('TOLLBRIDGE_CARRIER_IPS', `"${ip}" is not an IPv4 address or CIDR`);
  }
  return list;
}

function database(env: Env, dataDir: string): DatabaseConfig {
  const url = env.TOLLBRIDGE_DB ?? '';
  if (url === '') return { client: 'sqlite', filename: path.join(dataDir, 'tollbridge.sqlite') };
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { client: 'postgres', url };
  if (url.startsWith('sqlite:')) {
    const filename = url.slice('sqlite:'.length);
    if (filename === '') throw new ConfigError('TOLLBRIDGE_DB', 'sqlite: needs a file name, e.g. sqlite:./data/tb.sqlite');
    return { client: 'sqlite', filename: path.resolve(filename) };
  }
  throw new ConfigError('TOLLBRIDGE_DB', `"${url}" is neither sqlite:FILE nor a postgres:// URL`);
}

function ownerLimits(env: Env): OwnerLimits {
  return {
    maxNumbersPerAccount: whole(env, 'TOLLBRIDGE_MAX_NUMBERS_PER_ACCOUNT', 5, 1, 100_000),
    maxSubscribesPerDay: whole(env, 'TOLLBRIDGE_MAX_SUBSCRIBES_PER_DAY', 10, 1, 100_000),
    unusedReleaseMs: whole(env, 'TOLLBRIDGE_UNUSED_RELEASE_MINUTES', 60, 0, 10_080) * 60_000,
  };
}

function asteriskUser(env: Env): string {
  const user = text(env, 'TOLLBRIDGE_ASTERISK_USER', 'asterisk');
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(user)) throw new ConfigError('TOLLBRIDGE_ASTERISK_USER', `"${user}" is not a user name (or root)`);
  return user;
}

function installationSecrets(file: string): { secrets: InstallationSecrets; created: boolean } {
  try {
    return loadOrCreateSecrets(file);
  } catch (err) {
    if (err instanceof SecretsFileError) throw new ConfigError('TOLLBRIDGE_SECRETS_FILE', err.message);
    throw new ConfigError('TOLLBRIDGE_SECRETS_FILE', `${file}: cannot read or create it: ${(err as Error).message}`);
  }
}

/** An ARI/AMI password from the environment (the old public default refused outside development mode), else the generated one. */
function password(env: Env, name: string, generated: string, devMode: boolean): string {
  const value = text(env, name, generated);
  if (value === OLD_PUBLIC_PASSWORD && !devMode) throw new ConfigError(name, `"${OLD_PUBLIC_PASSWORD}" is a public default: unset it (a generated one is used) or set TOLLBRIDGE_DEV_MODE=yes for development`);
  return value;
}

export function loadConfig(env: Env = process.env): Config {
  const dataDir = path.resolve(env.TOLLBRIDGE_DATA_DIR ?? path.join(repoRoot(), 'data'));
  const rtpStart = port(env, 'TOLLBRIDGE_RTP_START', 20000);
  const rtpEnd = port(env, 'TOLLBRIDGE_RTP_END', 24999);
  if (rtpEnd <= rtpStart) throw new ConfigError('TOLLBRIDGE_RTP_END', `must be above TOLLBRIDGE_RTP_START (${rtpStart})`);
  const instance = text(env, 'TOLLBRIDGE_ASTERISK_INSTANCE', 'main');
  if (!/^[a-z0-9-]+$/.test(instance)) {
    throw new ConfigError('TOLLBRIDGE_ASTERISK_INSTANCE', 'use lower-case letters, digits and dashes');
  }
  const systemName = text(env, 'TOLLBRIDGE_ASTERISK_SYSTEMNAME', instance);
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(systemName)) throw new ConfigError('TOLLBRIDGE_ASTERISK_SYSTEMNAME', 'use up to 40 letters, digits, _ and - (it prefixes every channel id)');
  const ariApp = text(env, 'TOLLBRIDGE_ARI_APP', 'tollbridge');
  if (!/^[A-Za-z0-9_-]+$/.test(ariApp)) throw new ConfigError('TOLLBRIDGE_ARI_APP', 'use letters, digits, _ and -');
  const smtpUrl = env.TOLLBRIDGE_SMTP_URL ?? '';
  if (smtpUrl !== '' && !/^smtps?:\/\//.test(smtpUrl)) throw new ConfigError('TOLLBRIDGE_SMTP_URL', 'use smtp://host:port or smtps://user:pass@host:port');
  const quarantineRaw = env.TOLLBRIDGE_QUARANTINE_DAYS ?? '';
  const quarantineDays = quarantineRaw === '' ? 30 : Number(quarantineRaw);
  if (!/^\d+$/.test(quarantineRaw === '' ? '30' : quarantineRaw) || quarantineDays > 3650) {
    throw new ConfigError('TOLLBRIDGE_QUARANTINE_DAYS', `"${quarantineRaw}" is not a whole number of days from 0 to 3650`);
  }
  const retentionRaw = env.TOLLBRIDGE_CALLER_RETENTION_DAYS ?? '';
  const callerRetentionDays = retentionRaw === '' ? 730 : Number(retentionRaw);
  if (!/^\d+$/.test(retentionRaw === '' ? '730' : retentionRaw) || callerRetentionDays < 1 || callerRetentionDays > 36_500) {
    throw new ConfigError('TOLLBRIDGE_CALLER_RETENTION_DAYS', `"${retentionRaw}" is not a whole number of days from 1 to 36500`);
  }
  const recordingRetentionRaw = env.TOLLBRIDGE_RECORDING_RETENTION_DAYS ?? '';
  const recordingRetentionDays = recordingRetentionRaw === '' ? 30 : Number(recordingRetentionRaw);
  if (!/^\d+$/.test(recordingRetentionRaw === '' ? '30' : recordingRetentionRaw) || recordingRetentionDays < 1 || recordingRetentionDays > 36_500) {
    throw new ConfigError('TOLLBRIDGE_RECORDING_RETENTION_DAYS', `"${recordingRetentionRaw}" is not a whole number of days from 1 to 36500`);
  }
  const drainRaw = env.TOLLBRIDGE_DRAIN_SECONDS ?? '';
  if (drainRaw !== '' && (!/^\d+$/.test(drainRaw) || Number(drainRaw) > 86_400)) {
    throw new ConfigError('TOLLBRIDGE_DRAIN_SECONDS', `"${drainRaw}" is not a whole number of seconds from 0 to 86400`);
  }
  const envOperatorToken = env.TOLLBRIDGE_OPERATOR_TOKEN ?? '';
  if (envOperatorToken !== '' && envOperatorToken.length < 16) throw new ConfigError('TOLLBRIDGE_OPERATOR_TOKEN', 'needs at least 16 characters');
  const metricsToken = env.TOLLBRIDGE_METRICS_TOKEN ?? '';
  if (metricsToken !== '' && !/^\S{16,200}$/.test(metricsToken)) throw new ConfigError('TOLLBRIDGE_METRICS_TOKEN', 'needs 16 to 200 characters, no spaces');
  const devMode = flag(env, 'TOLLBRIDGE_DEV_MODE', false);
  const pinSecretEnv = env.TOLLBRIDGE_PIN_SECRET ?? '';
  if (pinSecretEnv === DEVELOPMENT_PIN_SECRET && !devMode) {
    throw new ConfigError('TOLLBRIDGE_PIN_SECRET', 'is the public development value: anyone with a copy of the database could recover every PIN. Unset it (a key is generated into the secrets file) or set TOLLBRIDGE_DEV_MODE=yes for development');
  }
  // Key 0: the single secret of installations from before key ids (their PIN hashes carry id 0).
  const legacyPinKey = pinSecretEnv !== '' ? pinSecretEnv : devMode ? DEVELOPMENT_PIN_SECRET : null;
  const owners = ownerLimits(env);
  const sqliteBusyMs = whole(env, 'TOLLBRIDGE_SQLITE_BUSY_MS', 5000, 1, 600_000);
  const secretsFile = path.resolve(env.TOLLBRIDGE_SECRETS_FILE ?? path.join(dataDir, 'secrets.json'));
  const { secrets, created: secretsCreated } = installationSecrets(secretsFile);
  const operatorToken = envOperatorToken !== '' ? envOperatorToken : secrets.operatorToken;
  return {
    api: {
      port: env.TOLLBRIDGE_API_PORT === '0' ? 0 : port(env, 'TOLLBRIDGE_API_PORT', 8380),
      host: text(env, 'TOLLBRIDGE_API_HOST', '127.0.0.1'),
      operatorToken,
      allowedHosts: hostNames(env.TOLLBRIDGE_API_ALLOWED_HOSTS ?? ''),
      metricsToken,
      trustedProxies: trustedProxies(env),
    },
    mail: { smtpUrl, from: text(env, 'TOLLBRIDGE_MAIL_FROM', 'tollbridge@localhost') },
    asterisk: {
      root: text(env, 'TOLLBRIDGE_ASTERISK_ROOT', '/var/cache/tollbridge/asterisk-root'),
      managed: flag(env, 'TOLLBRIDGE_MANAGE_ASTERISK', true),
      host: text(env, 'TOLLBRIDGE_ASTERISK_HOST', '127.0.0.1'),
      instance,
      sipPort: port(env, 'TOLLBRIDGE_SIP_PORT', 5060),
      ariPort: port(env, 'TOLLBRIDGE_ARI_PORT', 8088),
      amiPort: port(env, 'TOLLBRIDGE_AMI_PORT', 5038),
      rtpStart,
      rtpEnd,
      ariUser: text(env, 'TOLLBRIDGE_ARI_USER', 'tollbridge'),
      ariPassword: password(env, 'TOLLBRIDGE_ARI_PASSWORD', secrets.ariPassword, devMode),
      amiUser: text(env, 'TOLLBRIDGE_AMI_USER', 'tollbridge'),
      amiPassword: password(env, 'TOLLBRIDGE_AMI_PASSWORD', secrets.amiPassword, devMode),
      ariApp,
      amiDiagnostics: flag(env, 'TOLLBRIDGE_AMI_DIAGNOSTICS', false),
      runUser: asteriskUser(env),
      systemName,
      carrierIps: carrierIps(env),
      rtpTimeoutS: seconds(env, 'TOLLBRIDGE_RTP_TIMEOUT_S', 60),
      rtpHoldTimeoutS: seconds(env, 'TOLLBRIDGE_RTP_HOLD_TIMEOUT_S', 600),
      sessionTimers: sessionTimers(env),
      sessionExpiresS: seconds(env, 'TOLLBRIDGE_SESSION_EXPIRES_S', 1800, { min: 90, max: 86_400, zeroAllowed: false }),
      promptDirs: promptDirs(env.TOLLBRIDGE_PROMPT_DIRS ?? ''),
      celFile: (env.TOLLBRIDGE_CEL_FILE ?? '') === '' ? null : path.resolve(env.TOLLBRIDGE_CEL_FILE ?? ''),
    },
    limits: limits(env),
    pinGuessing: pinGuessing(env),
    database: database(env, dataDir),
    logLevel: oneOf(env, 'TOLLBRIDGE_LOG_LEVEL', LOG_LEVELS, 'info'),
    pinKeys: fileKeyring(secretsFile, secrets, legacyPinKey),
    secretsFile,
    secretsCreated,
    devMode,
    owners,
    sqliteBusyMs,
    quarantineDays,
    dataKey: dataKey(env, secrets, devMode),
    callerRetentionDays,
    roomLanguages: roomLanguageList(env.TOLLBRIDGE_ROOM_LANGUAGES ?? ''),
    drainSeconds: drainRaw === '' ? 30 : Number(drainRaw),
    dataDir,
    // One folder per systemname: bridge processes sharing a data dir never share a journal.
    ledgerJournalDir: path.resolve(env.TOLLBRIDGE_LEDGER_JOURNAL_DIR ?? path.join(dataDir, 'ledger-journal', systemName)),
    sharedLedgerJournalDir: env.TOLLBRIDGE_LEDGER_JOURNAL_DIR === undefined ? path.join(dataDir, 'ledger-journal') : null,
    ledgerJournalSync: flag(env, 'TOLLBRIDGE_LEDGER_JOURNAL_FSYNC', true),
    recordingsDir: path.resolve(env.TOLLBRIDGE_RECORDINGS_DIR ?? path.join(dataDir, 'recordings')),
    recordingRetentionDays,
  };
}

/**
 * The data key: TOLLBRIDGE_DATA_KEY (at least 32 characters) or the first line of
 * TOLLBRIDGE_DATA_KEY_FILE when set (several machines sharing one database), else the secrets
 * file's generated one. The public test key is refused outside development mode.
 */
function dataKey(env: Env, secrets: InstallationSecrets, devMode: boolean): string {
  const file = env.TOLLBRIDGE_DATA_KEY_FILE ?? '';
  let key = env.TOLLBRIDGE_DATA_KEY ?? '';
  const variable = file !== '' ? 'TOLLBRIDGE_DATA_KEY_FILE' : 'TOLLBRIDGE_DATA_KEY';
  if (file !== '') {
    if (key !== '') throw new ConfigError('TOLLBRIDGE_DATA_KEY_FILE', 'set TOLLBRIDGE_DATA_KEY or TOLLBRIDGE_DATA_KEY_FILE, not both');
    try {
      key = (readFileSync(file, 'utf8').split('\n')[0] ?? '').trim();
    } catch (err) {
      throw new ConfigError('TOLLBRIDGE_DATA_KEY_FILE', `cannot read ${file}: ${(err as Error).message}`);
    }
  }
  if (key === '') return secrets.dataKey;
  if (key.length < 32) throw new ConfigError(variable, 'the data key needs at least 32 characters (e.g. `openssl rand -base64 32`), or unset it to use the generated one');
  if (key === PUBLIC_TEST_DATA_KEY && !devMode) {
    throw new ConfigError(variable, 'is the public test key: anyone could read the caller numbers and e-mail addresses. Unset it (a key is generated into the secrets file) or set TOLLBRIDGE_DEV_MODE=yes for development');
  }
  return key;
}

/** TOLLBRIDGE_API_ALLOWED_HOSTS: comma-separated host names such as bridge.example.com. */
/** A room's language: Asterisk's sounds/<code> directory name (en, it, pt_BR). */
export const LANGUAGE_CODE = /^[a-z]{2}(_[A-Z]{2})?$/;

/** `de=/srv/prompts/de,pt_BR=/srv/prompts/pt` */
function promptDirs(raw: string): Record<string, string> {
  const dirs: Record<string, string> = {};
  for (const item of raw.split(',').map((i) => i.trim()).filter((i) => i !== '')) {
    const [code = '', dir = ''] = item.split('=', 2).map((p) => p.trim());
    if (!LANGUAGE_CODE.test(code) || !path.isAbsolute(dir)) {
      throw new ConfigError('TOLLBRIDGE_PROMPT_DIRS', `"${item}" is not language=absolute-directory (e.g. de=/srv/tollbridge/prompts/de)`);
    }
    dirs[code] = dir;
  }
  return dirs;
}

function roomLanguageList(raw: string): string[] | null {
  if (raw.trim() === '') return null;
  const codes = raw.split(',').map((c) => c.trim()).filter((c) => c !== '');
  for (const code of codes) if (!LANGUAGE_CODE.test(code)) throw new ConfigError('TOLLBRIDGE_ROOM_LANGUAGES', `"${code}" is not a language code like en, it or pt_BR`);
  return codes;
}

function hostNames(raw: string): string[] {
  const names = raw.split(',').map((h) => h.trim().toLowerCase()).filter((h) => h !== '');
  for (const name of names) {
    if (!/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$/.test(name)) {
      throw new ConfigError('TOLLBRIDGE_API_ALLOWED_HOSTS', `"${name}" is not a host name (write names without port, comma-separated, e.g. bridge.example.com)`);
    }
  }
  return names;
}

/** TOLLBRIDGE_TRUSTED_PROXIES: comma-separated addresses and CIDR blocks, each checked. */
function trustedProxies(env: NodeJS.ProcessEnv): string[] {
  const entries = (env.TOLLBRIDGE_TRUSTED_PROXIES ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '');
  try {
    new TrustedProxies(entries);
  } catch (err) {
    throw new ConfigError('TOLLBRIDGE_TRUSTED_PROXIES', err instanceof Error ? err.message : String(err));
  }
  return entries;
}
