// The Config object every process runs with, built from the settings (config/settings.ts: one
// schema for every TOLLBRIDGE_* variable, its default, allowed values and meaning; README
// "Configuration" is generated from it). Every setting is checked once at start-up, all refused
// ones named together, before anything is touched, instead of a confusing error mid-call.
import type { CallbackPolicy } from '../domain/callback.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './paths.js';
import type { CallLimits, OwnerLimits } from '../domain/limits.js';
import { PUBLIC_TEST_DATA_KEY } from './data-key.js';
import type { PinKeyring } from './pin-keys.js';
import { fileKeyring } from './pin-keyring.js';
import { loadOrCreateSecrets, SecretsFileError, type InstallationSecrets } from './secrets-file.js';
import { ConfigError } from './config-error.js';
import { DEVELOPMENT_PIN_SECRET, isSettingName, parseSettings, type DatabaseConfig, type Settings } from './settings.js';
import { resolveSettings, type ResolvedSettings } from './settings-source.js';

export { ConfigError } from './config-error.js';
export { DEVELOPMENT_PIN_SECRET, LANGUAGE_CODE, type DatabaseConfig } from './settings.js';

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
  /** The outbound trunk that dials callbacks (host:port, pjsip endpoint `callback-trunk`); null: none rendered. */
  callbackTrunk: string | null;
}

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
  /** Who may be called back when the moderator arrives (domain/callback.ts). */
  callbacks: CallbackPolicy;
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

type Env = Readonly<Record<string, string | undefined>>;

function installationSecrets(file: string): { secrets: InstallationSecrets; created: boolean } {
  try {
    return loadOrCreateSecrets(file);
  } catch (err) {
    if (err instanceof SecretsFileError) throw new ConfigError('TOLLBRIDGE_SECRETS_FILE', err.message);
    throw new ConfigError('TOLLBRIDGE_SECRETS_FILE', `${file}: cannot read or create it: ${(err as Error).message}`);
  }
}

/** The settings from the environment and the file, checked: every refused one in one ConfigError. */
export function loadSettings(env: Env = process.env): { settings: Settings; resolved: ResolvedSettings } {
  const resolved = resolveSettings(env);
  const parsed = parseSettings(resolved.raw);
  if (!parsed.ok) {
    // A value from the file says where it is, so the operator edits the right place.
    throw new ConfigError(parsed.problems.map(({ variable, message }) => {
      const origin = isSettingName(variable) ? resolved.origins[variable] : undefined;
      return { variable, message: origin?.source === 'file' ? `${message} (${resolved.file ?? ''} line ${origin.line})` : message };
    }));
  }
  return { settings: parsed.settings, resolved };
}

/** The defaults computed from other settings (README "Configuration"). */
export function derivedDefaults(s: Settings): { dataDir: string; secretsFile: string; database: DatabaseConfig; systemName: string; ledgerJournalDir: string; recordingsDir: string } {
  const dataDir = path.resolve(s.TOLLBRIDGE_DATA_DIR ?? path.join(repoRoot(), 'data'));
  const systemName = s.TOLLBRIDGE_ASTERISK_SYSTEMNAME ?? s.TOLLBRIDGE_ASTERISK_INSTANCE;
  return {
    dataDir,
    secretsFile: path.resolve(s.TOLLBRIDGE_SECRETS_FILE ?? path.join(dataDir, 'secrets.json')),
    database: s.TOLLBRIDGE_DB ?? { client: 'sqlite', filename: path.join(dataDir, 'tollbridge.sqlite') },
    systemName,
    // One folder per systemname: bridge processes sharing a data dir never share a journal.
    ledgerJournalDir: path.resolve(s.TOLLBRIDGE_LEDGER_JOURNAL_DIR ?? path.join(dataDir, 'ledger-journal', systemName)),
    recordingsDir: path.resolve(s.TOLLBRIDGE_RECORDINGS_DIR ?? path.join(dataDir, 'recordings')),
  };
}

/**
 * The configuration from the environment (and TOLLBRIDGE_CONFIG_FILE's file): every setting is
 * checked before anything is read from or written to disk; then the secrets file is read, or
 * created on a first start.
 */
export function loadConfig(env: Env = process.env): Config {
  const { settings: s } = loadSettings(env);
  const devMode = s.TOLLBRIDGE_DEV_MODE;
  const overrideDataKey = dataKeyOverride(s, devMode);
  const d = derivedDefaults(s);
  // Key 0: the single secret of installations from before key ids (their PIN hashes carry id 0).
  const legacyPinKey = s.TOLLBRIDGE_PIN_SECRET !== '' ? s.TOLLBRIDGE_PIN_SECRET : devMode ? DEVELOPMENT_PIN_SECRET : null;
  const { secrets, created: secretsCreated } = installationSecrets(d.secretsFile);
  return {
    api: {
      port: s.TOLLBRIDGE_API_PORT,
      host: s.TOLLBRIDGE_API_HOST,
      operatorToken: s.TOLLBRIDGE_OPERATOR_TOKEN ?? secrets.operatorToken,
      allowedHosts: s.TOLLBRIDGE_API_ALLOWED_HOSTS,
      metricsToken: s.TOLLBRIDGE_METRICS_TOKEN ?? '',
      trustedProxies: s.TOLLBRIDGE_TRUSTED_PROXIES,
    },
    mail: { smtpUrl: s.TOLLBRIDGE_SMTP_URL ?? '', from: s.TOLLBRIDGE_MAIL_FROM },
    asterisk: {
      root: s.TOLLBRIDGE_ASTERISK_ROOT,
      managed: s.TOLLBRIDGE_MANAGE_ASTERISK,
      host: s.TOLLBRIDGE_ASTERISK_HOST,
      instance: s.TOLLBRIDGE_ASTERISK_INSTANCE,
      sipPort: s.TOLLBRIDGE_SIP_PORT,
      ariPort: s.TOLLBRIDGE_ARI_PORT,
      amiPort: s.TOLLBRIDGE_AMI_PORT,
      rtpStart: s.TOLLBRIDGE_RTP_START,
      rtpEnd: s.TOLLBRIDGE_RTP_END,
      ariUser: s.TOLLBRIDGE_ARI_USER,
      ariPassword: s.TOLLBRIDGE_ARI_PASSWORD ?? secrets.ariPassword,
      amiUser: s.TOLLBRIDGE_AMI_USER,
      amiPassword: s.TOLLBRIDGE_AMI_PASSWORD ?? secrets.amiPassword,
      ariApp: s.TOLLBRIDGE_ARI_APP,
      amiDiagnostics: s.TOLLBRIDGE_AMI_DIAGNOSTICS,
      runUser: s.TOLLBRIDGE_ASTERISK_USER,
      systemName: d.systemName,
      carrierIps: s.TOLLBRIDGE_CARRIER_IPS,
      rtpTimeoutS: s.TOLLBRIDGE_RTP_TIMEOUT_S,
      rtpHoldTimeoutS: s.TOLLBRIDGE_RTP_HOLD_TIMEOUT_S,
      sessionTimers: s.TOLLBRIDGE_SESSION_TIMERS,
      sessionExpiresS: s.TOLLBRIDGE_SESSION_EXPIRES_S,
      promptDirs: s.TOLLBRIDGE_PROMPT_DIRS,
      celFile: s.TOLLBRIDGE_CEL_FILE === undefined ? null : path.resolve(s.TOLLBRIDGE_CEL_FILE),
      callbackTrunk: s.TOLLBRIDGE_CALLBACK_TRUNK === '' ? null : s.TOLLBRIDGE_CALLBACK_TRUNK,
    },
    callbacks: {
      trunk: s.TOLLBRIDGE_CALLBACK_TRUNK === '' ? null : s.TOLLBRIDGE_CALLBACK_TRUNK,
      denyPrefixes: s.TOLLBRIDGE_CALLBACK_DENY_PREFIXES,
      blocked: s.TOLLBRIDGE_CALLBACK_BLOCKED_NUMBERS,
      answerTimeoutMs: s.TOLLBRIDGE_CALLBACK_ANSWER_S * 1000,
    },
    limits: {
      moderatorWaitMs: s.TOLLBRIDGE_MAX_MODERATOR_WAIT_S * 1000,
      aloneMs: s.TOLLBRIDGE_MAX_ALONE_S * 1000,
      maxLegMs: s.TOLLBRIDGE_MAX_LEG_S * 1000,
      placementMs: s.TOLLBRIDGE_PLACEMENT_TIMEOUT_S * 1000,
    },
    pinGuessing: {
      roomLockAfter: { moderator: s.TOLLBRIDGE_PIN_MODERATOR_LOCK_AFTER, participant: s.TOLLBRIDGE_PIN_PARTICIPANT_LOCK_AFTER },
      callerLockAfter: s.TOLLBRIDGE_PIN_CALLER_LOCK_AFTER,
      lockMs: s.TOLLBRIDGE_PIN_LOCK_S * 1000,
      windowMs: s.TOLLBRIDGE_PIN_WINDOW_S * 1000,
      pauseMs: s.TOLLBRIDGE_PIN_PAUSE_MS,
      maxPauseMs: s.TOLLBRIDGE_PIN_MAX_PAUSE_MS,
      maxUnauthenticatedPerNumber: s.TOLLBRIDGE_MAX_IVR_CALLS_PER_NUMBER,
      maxFailingPerNumber: s.TOLLBRIDGE_MAX_IVR_FAILING_PER_NUMBER,
      maxUnauthenticatedPerCaller: s.TOLLBRIDGE_MAX_IVR_CALLS_PER_CALLER,
      moderatorPinMinDigits: s.TOLLBRIDGE_MODERATOR_PIN_MIN_DIGITS,
    },
    database: d.database,
    logLevel: s.TOLLBRIDGE_LOG_LEVEL,
    pinKeys: fileKeyring(d.secretsFile, secrets, legacyPinKey),
    secretsFile: d.secretsFile,
    secretsCreated,
    devMode,
    owners: {
      maxNumbersPerAccount: s.TOLLBRIDGE_MAX_NUMBERS_PER_ACCOUNT,
      maxSubscribesPerDay: s.TOLLBRIDGE_MAX_SUBSCRIBES_PER_DAY,
      unusedReleaseMs: s.TOLLBRIDGE_UNUSED_RELEASE_MINUTES * 60_000,
    },
    sqliteBusyMs: s.TOLLBRIDGE_SQLITE_BUSY_MS,
    quarantineDays: s.TOLLBRIDGE_QUARANTINE_DAYS,
    dataKey: overrideDataKey ?? secrets.dataKey,
    callerRetentionDays: s.TOLLBRIDGE_CALLER_RETENTION_DAYS,
    roomLanguages: s.TOLLBRIDGE_ROOM_LANGUAGES ?? null,
    drainSeconds: s.TOLLBRIDGE_DRAIN_SECONDS,
    dataDir: d.dataDir,
    ledgerJournalDir: d.ledgerJournalDir,
    // With the default journal folder: the one folder older versions shared, adopted once.
    sharedLedgerJournalDir: s.TOLLBRIDGE_LEDGER_JOURNAL_DIR === undefined ? path.join(d.dataDir, 'ledger-journal') : null,
    ledgerJournalSync: s.TOLLBRIDGE_LEDGER_JOURNAL_FSYNC,
    recordingsDir: d.recordingsDir,
    recordingRetentionDays: s.TOLLBRIDGE_RECORDING_RETENTION_DAYS,
  };
}

/**
 * The data key when the settings name one: TOLLBRIDGE_DATA_KEY (checked by the schema) or the
 * first line of TOLLBRIDGE_DATA_KEY_FILE (several machines sharing one database); null: the
 * secrets file's generated one. The public test key is refused outside development mode.
 */
function dataKeyOverride(s: Settings, devMode: boolean): string | null {
  const file = s.TOLLBRIDGE_DATA_KEY_FILE;
  const variable = file !== '' ? 'TOLLBRIDGE_DATA_KEY_FILE' : 'TOLLBRIDGE_DATA_KEY';
  let key = s.TOLLBRIDGE_DATA_KEY ?? '';
  if (file !== '') {
    try {
      key = (readFileSync(file, 'utf8').split('\n')[0] ?? '').trim();
    } catch (err) {
      throw new ConfigError('TOLLBRIDGE_DATA_KEY_FILE', `cannot read ${file}: ${(err as Error).message}`);
    }
    if (key === '') return null;
    if (key.length < 32) throw new ConfigError(variable, 'the data key needs at least 32 characters (e.g. `openssl rand -base64 32`), or unset it to use the generated one');
  }
  if (key === '') return null;
  if (key === PUBLIC_TEST_DATA_KEY && !devMode) {
    throw new ConfigError(variable, 'is the public test key: anyone could read the caller numbers and e-mail addresses. Unset it (a key is generated into the secrets file) or set TOLLBRIDGE_DEV_MODE=yes for development');
  }
  return key;
}
