// Every TOLLBRIDGE_* setting in one zod schema: its variable, type, default, allowed values,
// whether it is a secret and what it means. config.ts builds the Config object from what this
// parses; `tollbridge config` shows it; scripts/config-table.ts writes the README's table from it.
// A default is written once, as an operator would write it, and parsed by the setting's own
// schema, so the table and the code cannot disagree.
import path from 'node:path';
import { z } from 'zod';
import type { Problem } from './config-error.js';
import { TrustedProxies } from './trusted-proxies.js';

export type SettingType = 'port' | 'number' | 'yes/no' | 'choice' | 'text' | 'list' | 'path' | 'url';

export interface SettingMeta {
  type: SettingType;
  /** The default as an operator would write it ('': empty). */
  default: string;
  /** A default computed at start, described (e.g. '<data dir>/secrets.json'); `default` is then ''. */
  derived?: string;
  /** The values allowed, as a phrase that completes `"x" is not …`. */
  allowed: string;
  /** false, or what of the value is secret: all of it, or the password part of a URL. */
  secret: false | 'value' | 'url password';
  description: string;
  /** Read by a script before tollbridge's own code runs: only the environment can set it, never the file. */
  environmentOnly?: string;
}

export const settingMeta = z.registry<SettingMeta>();

/** An empty value is the same as an unset one: the default. */
const blank = (value: unknown): unknown => (value === '' ? undefined : value);

type Meta = Omit<SettingMeta, 'default' | 'secret'> & { secret?: SettingMeta['secret'] };

/** A setting with a fixed default, parsed by `inner` like any value an operator writes. */
function setting<T extends string | number | boolean | object>(inner: z.ZodType<T, string>, fallback: string, meta: Meta) {
  return z.preprocess(blank, inner.default(inner.parse(fallback))).register(settingMeta, { secret: false, ...meta, default: fallback });
}

/** A setting that is undefined when unset: empty, or (with `derived`) a default computed at start from other settings or the secrets file. */
function optionalSetting<T>(inner: z.ZodType<T, string>, meta: Meta) {
  return z.preprocess(blank, inner.optional()).register(settingMeta, { secret: false, ...meta, default: '' });
}

/** A whole number from `min` to `max`. */
function whole(min: number, max: number) {
  return z.string().regex(/^\d{1,9}$/).transform(Number).pipe(z.number().min(min).max(max));
}

function wholeMeta(min: number, max: number, unit: string, description: string, zeroMeans?: string): Meta {
  return { type: 'number', allowed: `a whole number${unit} from ${min} to ${max}${zeroMeans === undefined ? '' : ` (0: ${zeroMeans})`}`, description };
}

const number = (fallback: number, min: number, max: number, description: string, zeroMeans?: string) =>
  setting(whole(min, max), String(fallback), wholeMeta(min, max, '', description, zeroMeans));

/** Seconds from `min` to `max`, or 0 (off). */
function seconds(fallback: number, description: string, { min = 1, max = 7 * 86_400, zeroAllowed = true } = {}) {
  const range = z.number().min(min).max(max);
  const inner = z.string().regex(/^\d{1,9}$/).transform(Number).pipe(zeroAllowed ? z.union([z.literal(0), range]) : range);
  return setting(inner, String(fallback), { type: 'number', allowed: `a whole number of seconds from ${min} to ${max}${zeroAllowed ? ' (0: off)' : ''}`, description });
}

const portNumber = whole(1, 65_535);
const port = (fallback: number, description: string) => setting(portNumber, String(fallback), { type: 'port', allowed: 'a port number (1-65535)', description });

const FLAG_WORDS = ['1', 'true', 'yes', '0', 'false', 'no'] as const;
const flag = (fallback: 'yes' | 'no', description: string) =>
  setting(z.enum(FLAG_WORDS).transform((w) => w === '1' || w === 'true' || w === 'yes'), fallback, { type: 'yes/no', allowed: 'yes or no (1/0, true/false)', description });

/** Text without spaces, and matching `pattern` when given. */
function word(pattern?: RegExp) {
  const base = z.string().regex(/^\S+$/);
  return pattern === undefined ? base : base.regex(pattern);
}

/** A comma-separated list; each item checked by `check`, which says what is wrong with one. */
function list(check: (item: string) => string | null, normalise: (item: string) => string = (item) => item) {
  return z.string().transform((raw, ctx) => {
    const items = raw.split(',').map((item) => normalise(item.trim())).filter((item) => item !== '');
    for (const item of items) {
      const problem = check(item);
      if (problem !== null) ctx.issues.push({ code: 'custom', message: problem, input: raw });
    }
    return items;
  });
}

/** pino's levels, quietest last. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** A room's language: Asterisk's sounds/<code> directory name (en, it, pt_BR). */
export const LANGUAGE_CODE = /^[a-z]{2}(_[A-Z]{2})?$/;

const IPV4_OR_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/\d{1,2})?$/;
const HOST_NAME = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$/;

export type DatabaseConfig =
  | { client: 'sqlite'; filename: string }
  | { client: 'postgres'; url: string };

const database = z.string().transform((url, ctx): DatabaseConfig => {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { client: 'postgres', url };
  if (url.startsWith('sqlite:') && url !== 'sqlite:') return { client: 'sqlite', filename: path.resolve(url.slice('sqlite:'.length)) };
  ctx.issues.push({ code: 'custom', message: url.startsWith('sqlite:') ? 'sqlite: needs a file name, e.g. sqlite:./data/tb.sqlite' : `"${maskUrlPassword(url)}" is neither sqlite:FILE nor a postgres:// URL`, input: url });
  return z.NEVER;
});

/** `de=/srv/prompts/de,pt_BR=/srv/prompts/pt` */
const promptDirs = list((item) => {
  const [code = '', dir = ''] = item.split('=', 2).map((p) => p.trim());
  return LANGUAGE_CODE.test(code) && path.isAbsolute(dir) ? null : `"${item}" is not language=absolute-directory (e.g. de=/srv/tollbridge/prompts/de)`;
}).transform((items) => {
  const dirs: Record<string, string> = {};
  for (const item of items) {
    const [code = '', dir = ''] = item.split('=', 2).map((p) => p.trim());
    dirs[code] = dir;
  }
  return dirs;
});

const trustedProxies = list((item) => {
  try {
    new TrustedProxies([item]);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
});

/** A URL with its password, if any, replaced by ***. */
export function maskUrlPassword(value: string): string {
  try {
    const url = new URL(value);
    if (url.password === '') return value;
    url.password = '***';
    return url.toString();
  } catch {
    // Not a URL: whatever sits between "//user:" and "@" is hidden all the same.
    return value.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@');
  }
}

const SECRETS_FILE_DEFAULT = 'generated into the secrets file';

/**
 * Every setting, in the order of the README's table. The keys are the variables; each value is
 * the setting's schema: an empty or missing value gives the default.
 */
const fields = {
  TOLLBRIDGE_CONFIG_FILE: setting(z.string(), '', { type: 'path', allowed: 'a file of TOLLBRIDGE_*=value lines', environmentOnly: 'it names the file', description: 'a file of settings, one `TOLLBRIDGE_NAME=value` a line (`#` comments, blank lines); the environment wins over it. A name that is not a setting stops the start, naming the line' }),
  TOLLBRIDGE_DB: optionalSetting(database, { type: 'url', derived: 'sqlite:<data dir>/tollbridge.sqlite', allowed: 'sqlite:FILE or a postgres:// URL', secret: 'url password', description: '`sqlite:FILE` or `postgres://user:pass@host:port/db`' }),
  TOLLBRIDGE_DATA_DIR: optionalSetting(z.string(), { type: 'path', derived: './data', allowed: 'a directory', description: 'where the default SQLite file and the demo call files live' }),
  TOLLBRIDGE_SECRETS_FILE: optionalSetting(z.string(), { type: 'path', derived: '<data dir>/secrets.json', allowed: 'a file', description: 'the generated secrets (PIN keys, ARI/AMI passwords, operator token), mode 0600' }),
  TOLLBRIDGE_DEV_MODE: flag('no', '`yes` accepts the public development PIN secret and ARI/AMI password; never in production'),
  TOLLBRIDGE_PIN_SECRET: setting(z.string(), '', { type: 'text', allowed: 'any text', secret: 'value', description: 'the PIN secret of installations from before generated keys (key 0); new PINs always use the generated keys' }),
  TOLLBRIDGE_QUARANTINE_DAYS: setting(whole(0, 3650), '30', wholeMeta(0, 3650, ' of days', 'days a released number rests before anyone else can subscribe to it')),
  TOLLBRIDGE_API_HOST: setting(word(), '127.0.0.1', { type: 'text', allowed: 'a host name or address, without spaces', description: 'where the HTTP API listens' }),
  TOLLBRIDGE_API_PORT: setting(z.union([z.literal('0').transform(() => 0), portNumber]), '8380', { type: 'port', allowed: 'a port number (1-65535), or 0 (off)', description: 'the HTTP API\'s port; `0`: no HTTP API' }),
  TOLLBRIDGE_API_ALLOWED_HOSTS: setting(list((name) => (HOST_NAME.test(name) ? null : `"${name}" is not a host name (write names without port, comma-separated, e.g. bridge.example.com)`), (name) => name.toLowerCase()), '', { type: 'list', allowed: 'comma-separated host names without port', description: 'more host names the API answers to, beside localhost, 127.0.0.1, [::1] and `TOLLBRIDGE_API_HOST`' }),
  TOLLBRIDGE_TRUSTED_PROXIES: setting(trustedProxies, '', { type: 'list', allowed: 'comma-separated IP addresses and CIDR blocks', description: 'the proxies in front of the API (e.g. `127.0.0.1,10.0.0.0/8`): from them, `X-Forwarded-For` names the client, read from the right, the first hop that is not one of them. Sign-in backoff and the audit log count by that address. Empty: the connection\'s address, whatever the header says' }),
  TOLLBRIDGE_OPERATOR_TOKEN: optionalSetting(z.string().min(16), { type: 'text', derived: SECRETS_FILE_DEFAULT, allowed: 'a token of at least 16 characters', secret: 'value', description: 'bearer token for `/v1/operator/...` and the operator pages' }),
  TOLLBRIDGE_METRICS_TOKEN: optionalSetting(z.string().regex(/^\S{16,200}$/), { type: 'text', allowed: 'a token of 16 to 200 characters without spaces', secret: 'value', description: 'bearer token `GET /metrics` needs; empty: no token, open ([Metrics](#metrics-prometheus))' }),
  TOLLBRIDGE_SMTP_URL: optionalSetting(z.string().regex(/^smtps?:\/\//), { type: 'url', allowed: 'smtp://host:port or smtps://user:pass@host:port', secret: 'url password', description: 'the mail server for the unsubscribe confirmation; empty: mail is logged, not sent' }),
  TOLLBRIDGE_MAIL_FROM: setting(word(), 'tollbridge@localhost', { type: 'text', allowed: 'an address without spaces', description: 'sender of those e-mails' }),
  TOLLBRIDGE_MANAGE_ASTERISK: flag('yes', '`yes`: start and stop a local Asterisk from the Debian root; `no`: connect to one at `TOLLBRIDGE_ASTERISK_HOST`'),
  TOLLBRIDGE_CEL_FILE: optionalSetting(z.string(), { type: 'path', derived: 'a managed Asterisk\'s own file; none for an external one', allowed: 'a file', description: 'Asterisk\'s CEL file (`cel-custom/tollbridge-cel.json` in its log dir) that a resync reads for the real end of calls that ended while the app was away. With an external Asterisk mount its log dir and name the file here (the Docker compose file does); without it such legs close when the app comes back, and the start logs a warning' }),
  TOLLBRIDGE_ASTERISK_HOST: setting(word(), '127.0.0.1', { type: 'text', allowed: 'a host name or address, without spaces', description: 'where ARI is' }),
  TOLLBRIDGE_ASTERISK_ROOT: setting(word(), '/var/cache/tollbridge/asterisk-root', { type: 'path', allowed: 'a directory, without spaces', description: 'the Debian root holding Asterisk' }),
  TOLLBRIDGE_ASTERISK_INSTANCE: setting(word(/^[a-z0-9-]+$/), 'main', { type: 'text', allowed: 'a name of lower-case letters, digits and dashes', description: 'instance name: separate config/run/log dirs, so tests run their own Asterisk beside `npm start`' }),
  TOLLBRIDGE_SIP_PORT: port(5060, 'PJSIP UDP port on 127.0.0.1'),
  TOLLBRIDGE_ARI_PORT: port(8088, 'ARI/HTTP port on 127.0.0.1'),
  TOLLBRIDGE_AMI_PORT: port(5038, 'AMI port on 127.0.0.1'),
  TOLLBRIDGE_RTP_START: port(20000, 'first port of the RTP range'),
  TOLLBRIDGE_RTP_END: port(24999, 'last port of the RTP range (above `TOLLBRIDGE_RTP_START`)'),
  TOLLBRIDGE_ARI_USER: setting(word(), 'tollbridge', { type: 'text', allowed: 'a name without spaces', description: 'ARI user' }),
  TOLLBRIDGE_ARI_PASSWORD: optionalSetting(word(), { type: 'text', derived: SECRETS_FILE_DEFAULT, allowed: 'text without spaces', secret: 'value', description: 'ARI password' }),
  TOLLBRIDGE_AMI_USER: setting(word(), 'tollbridge', { type: 'text', allowed: 'a name without spaces', description: 'AMI user' }),
  TOLLBRIDGE_AMI_PASSWORD: optionalSetting(word(), { type: 'text', derived: SECRETS_FILE_DEFAULT, allowed: 'text without spaces', secret: 'value', description: 'AMI password' }),
  TOLLBRIDGE_ASTERISK_USER: setting(word(/^[a-z_][a-z0-9_-]{0,31}$/), 'asterisk', { type: 'text', allowed: 'a user name (or root)', description: 'the user Asterisk drops to after start (from the Debian root\'s own passwd); `root` keeps root' }),
  TOLLBRIDGE_PROMPT_DIRS: setting(promptDirs, '', { type: 'list', allowed: 'comma-separated language=absolute-directory', description: 'languages without a Debian prompt pack: `de=/srv/prompts/de,...`, directories of prompts named like Asterisk\'s (`conf-getpin.wav`, ...), copied into the root when tollbridge starts its Asterisk' }),
  TOLLBRIDGE_ROOM_LANGUAGES: optionalSetting(list((code) => (LANGUAGE_CODE.test(code) ? null : `"${code}" is not a language code like en, it or pt_BR`)).transform((codes) => (codes.length === 0 ? undefined : codes)), { type: 'list', derived: 'those with prompts in the root', allowed: 'comma-separated language codes like en, it, pt_BR', description: 'the languages a room may be set to (for an Asterisk tollbridge does not manage)' }),
  TOLLBRIDGE_ARI_APP: setting(word(/^[A-Za-z0-9_-]+$/), 'tollbridge', { type: 'text', allowed: 'a name of letters, digits, _ and -', description: 'Stasis application name' }),
  TOLLBRIDGE_CARRIER_IPS: setting(list((ip) => {
    const m = IPV4_OR_CIDR.exec(ip);
    return m !== null && [m[1], m[2], m[3], m[4]].every((o) => Number(o) <= 255) ? null : `"${ip}" is not an IPv4 address or CIDR`;
  }).refine((ips) => ips.length > 0, { message: 'needs at least one address' }), '127.0.0.1', { type: 'list', allowed: 'comma-separated IPv4 addresses or CIDRs', description: 'addresses whose INVITEs are the carrier\'s' }),
  TOLLBRIDGE_ASTERISK_SYSTEMNAME: optionalSetting(word(/^[A-Za-z0-9_-]{1,40}$/), { type: 'text', derived: 'the instance name', allowed: 'up to 40 letters, digits, _ and - (it prefixes every channel id)', description: 'Asterisk\'s `systemname`: the prefix of every channel id (`main-1764622345.12`), so ids stay unique when several Asterisk servers share one ledger; give each server its own (one live process per systemname: a lease, see [operations](#operations))' }),
  TOLLBRIDGE_LEDGER_JOURNAL_DIR: optionalSetting(z.string(), { type: 'path', derived: '<data dir>/ledger-journal/<systemname>', allowed: 'a directory', description: 'the ledger\'s local journal (see [operations](#operations)); one folder per bridge process, on local disk' }),
  TOLLBRIDGE_LEDGER_JOURNAL_FSYNC: flag('yes', '`yes`: every group of journal records is fdatasync\'d before the call goes on (survives a power cut); `no`: written to the OS only (survives the app crashing, not a power cut: what SQLite\'s `synchronous=NORMAL` gives)'),
  TOLLBRIDGE_DRAIN_SECONDS: setting(whole(0, 86_400), '30', wholeMeta(0, 86_400, ' of seconds', 'on SIGTERM/SIGINT, how long calls in progress may go on before they hear goodbye and are hung up, legs closed')),
  TOLLBRIDGE_RTP_TIMEOUT_S: seconds(60, 'Asterisk hangs up a caller who sent no RTP for this long (a lost BYE); `0`: never'),
  TOLLBRIDGE_RTP_HOLD_TIMEOUT_S: seconds(600, 'the same while the carrier has put the call on SIP hold; `0`: never'),
  TOLLBRIDGE_SESSION_TIMERS: setting(z.enum(['yes', 'forced', 'no']), 'yes', { type: 'choice', allowed: 'yes (when the carrier supports them), forced or no', description: 'SIP session timers (RFC 4028): `yes` when the carrier supports them, `forced` always, `no`' }),
  TOLLBRIDGE_SESSION_EXPIRES_S: seconds(1800, 'Session-Expires asked for; a refresh nobody answers ends the call', { min: 90, max: 86_400, zeroAllowed: false }),
  TOLLBRIDGE_MAX_MODERATOR_WAIT_S: seconds(1800, 'longest wait on hold for a moderator, then a prompt and hang-up; `0`: no limit'),
  TOLLBRIDGE_CALLBACK_TRUNK: setting(z.string().regex(/^$|^[A-Za-z0-9.-]+:[0-9]{1,5}$|^[A-Za-z0-9.-]+$/), '', { type: 'text', allowed: 'host or host:port (empty: off)', description: 'the outbound SIP trunk that dials waiting participants back when the moderator arrives (key 7, "call me back"); empty: no callbacks' }),
  TOLLBRIDGE_CALLBACK_DENY_PREFIXES: setting(list((p) => (/^\+[0-9]{1,14}$/.test(p) ? null : `"${p}" is not a number prefix like +1900`)), '+1900,+1976', { type: 'list', allowed: 'comma-separated E.164 prefixes like +1900', description: 'numbers a callback never dials (premium ranges)' }),
  TOLLBRIDGE_CALLBACK_BLOCKED_NUMBERS: setting(list((n) => (/^\+[1-9][0-9]{6,14}$/.test(n) ? null : `"${n}" is not an E.164 number like +15551234567`)), '', { type: 'list', allowed: 'comma-separated E.164 numbers', description: 'numbers the operator blocks from callbacks' }),
  TOLLBRIDGE_CALLBACK_ANSWER_S: seconds(30, 'a callback nobody answers within this long is given up', { min: 5, max: 120, zeroAllowed: false }),
  TOLLBRIDGE_MAX_ALONE_S: seconds(600, 'longest time alone in a conference, then a prompt and hang-up; `0`: no limit'),
  TOLLBRIDGE_MAX_LEG_S: seconds(14_400, 'longest leg (4 h) from answer, then a prompt and hang-up; `0`: no limit'),
  TOLLBRIDGE_PLACEMENT_TIMEOUT_S: seconds(5, 'a caller admitted to a room must be in its bridge within this long; else placed again once, then told and hung up', { min: 1, max: 60, zeroAllowed: false }),
  TOLLBRIDGE_PIN_MODERATOR_LOCK_AFTER: number(10, 1, 1000, 'wrong PINs within the window that lock a room\'s moderator PIN'),
  TOLLBRIDGE_PIN_PARTICIPANT_LOCK_AFTER: number(10, 1, 1000, 'wrong PINs within the window that lock a room\'s participant PIN'),
  TOLLBRIDGE_PIN_CALLER_LOCK_AFTER: number(10, 1, 1000, 'wrong PINs from one calling number, across rooms, that lock that caller everywhere'),
  TOLLBRIDGE_PIN_LOCK_S: seconds(172_800, 'how long a lock lasts (48 h)', { min: 60, max: 30 * 86_400, zeroAllowed: false }),
  TOLLBRIDGE_PIN_WINDOW_S: seconds(172_800, 'how long failures are remembered (48 h)', { min: 60, max: 30 * 86_400, zeroAllowed: false }),
  TOLLBRIDGE_PIN_PAUSE_MS: setting(whole(0, 60_000), '1000', wholeMeta(0, 60_000, ' of ms', 'pause before the next PIN prompt after a wrong PIN; doubles per failure on record up to `TOLLBRIDGE_PIN_MAX_PAUSE_MS`')),
  TOLLBRIDGE_PIN_MAX_PAUSE_MS: setting(whole(0, 120_000), '8000', wholeMeta(0, 120_000, ' of ms', 'the longest such pause (at least `TOLLBRIDGE_PIN_PAUSE_MS`)')),
  TOLLBRIDGE_MAX_IVR_CALLS_PER_NUMBER: number(400, 0, 100_000, 'calls answered but not yet in a room, per dialled number, all bridge processes on the database together; more are refused busy (SIP 486)', 'no cap'),
  TOLLBRIDGE_MAX_IVR_CALLS_PER_CALLER: number(10, 0, 100_000, 'the same per calling number', 'no cap'),
  TOLLBRIDGE_MAX_IVR_FAILING_PER_NUMBER: number(50, 0, 100_000, 'of the calls per dialled number, those that already failed an entry (wrong or missing room number or PIN); more new calls to the number are refused busy', 'no separate cap'),
  TOLLBRIDGE_MODERATOR_PIN_MIN_DIGITS: setting(whole(4, 8), '4', wholeMeta(4, 8, ' of digits', 'shortest moderator PIN that may be set; 6 or more recommended')),
  TOLLBRIDGE_MAX_NUMBERS_PER_ACCOUNT: number(5, 1, 100_000, 'numbers an account may hold at once'),
  TOLLBRIDGE_MAX_SUBSCRIBES_PER_DAY: number(10, 1, 100_000, 'subscriptions an account may start in 24 hours'),
  TOLLBRIDGE_UNUSED_RELEASE_MINUTES: setting(whole(0, 10_080), '60', wholeMeta(0, 10_080, ' of minutes', 'a number released this soon after subscribing, never called, skips quarantine', 'always quarantine')),
  TOLLBRIDGE_SQLITE_BUSY_MS: setting(whole(1, 600_000), '5000', wholeMeta(1, 600_000, ' of ms', 'SQLite: how long a write waits for another process\'s write before `DatabaseBusy`')),
  TOLLBRIDGE_AMI_DIAGNOSTICS: flag('no', 'load bench only: a second AMI user, `<AMI user>-diagnostics`, with `command`/`system` rights and every event, for the bench\'s measurements (the app\'s own user keeps its rights and event filter)'),
  TOLLBRIDGE_NODE_FLAGS: setting(z.string(), '--max-semi-space-size=1', { type: 'text', allowed: 'node flags, space-separated', environmentOnly: 'scripts/start.sh reads it before node starts', description: 'the node flags `npm start` (`scripts/start.sh`) and the Docker image run the bridge with: V8\'s young generation capped at 1 MB a semi-space (RSS about 15 MB lower, back near its start after the calls; about 12 % more app CPU); set but empty: node\'s defaults. Running `node dist/cli/main.js start` yourself, pass the flag to node' }),
  TOLLBRIDGE_DEBIAN_MIRROR: optionalSetting(word(), { type: 'url', derived: 'the machine\'s own apt sources', allowed: 'a Debian mirror URL', environmentOnly: 'asterisk/build-root.sh reads it', description: 'the Debian mirror `asterisk/build-root.sh` builds Asterisk\'s root from' }),
  TOLLBRIDGE_DATA_KEY: optionalSetting(z.string().refine((v) => v.length >= 32, { message: 'the data key needs at least 32 characters (e.g. `openssl rand -base64 32`), or unset it to use the generated one' }), { type: 'text', derived: SECRETS_FILE_DEFAULT, allowed: 'at least 32 characters', secret: 'value', description: 'the key that encrypts e-mail addresses and caller numbers at rest (e.g. `openssl rand -base64 32`); set it only when several machines share one database; never change it once data is encrypted; back it up' }),
  TOLLBRIDGE_DATA_KEY_FILE: setting(z.string(), '', { type: 'path', allowed: 'a readable file', description: 'instead of `TOLLBRIDGE_DATA_KEY`: a file whose first line is the data key' }),
  TOLLBRIDGE_CALLER_RETENTION_DAYS: setting(whole(1, 36_500), '730', wholeMeta(1, 36_500, ' of days', 'caller numbers in ledger legs older than this are erased, daily')),
  TOLLBRIDGE_RECORDINGS_DIR: optionalSetting(z.string(), { type: 'path', derived: '<data dir>/recordings', allowed: 'a directory', description: 'where finished conference recordings are kept (WAV). The bridge takes each file out of Asterisk\'s spool over ARI when the recording ends; `tollbridge api` serves downloads from here, so point both processes at the same directory' }),
  TOLLBRIDGE_RECORDING_RETENTION_DAYS: setting(whole(1, 36_500), '30', wholeMeta(1, 36_500, ' of days', 'conference recordings started longer ago are deleted daily, file and row')),
  TOLLBRIDGE_LOG_LEVEL: setting(z.enum(LOG_LEVELS), 'info', { type: 'choice', allowed: `one of ${LOG_LEVELS.join(', ')}`, description: 'pino level' }),
};

export type SettingName = keyof typeof fields;
export const SETTING_NAMES = Object.keys(fields).filter(isSettingName);

export function isSettingName(name: string): name is SettingName {
  return Object.hasOwn(fields, name);
}

/** The schema's own description of one setting. */
export function metaOf(name: SettingName): SettingMeta {
  const meta = settingMeta.get(fields[name]);
  if (meta === undefined) throw new Error(`${name} has no description in config/settings.ts`);
  return meta;
}

/** The public development PIN secret every installation had before secrets were generated: refused outside development mode. */
export const DEVELOPMENT_PIN_SECRET = 'tollbridge-development-pin-secret';
/** The ARI/AMI password every installation had before they were generated: public, refused outside development mode. */
const OLD_PUBLIC_PASSWORD = 'tollbridge-local';

type Fields = z.output<z.ZodObject<typeof fields>>;

/** Checks between settings; a check whose settings are already refused is skipped. */
function crossChecks(v: Fields, refused: ReadonlySet<unknown>): Array<{ variable: SettingName; message: string }> {
  const problems: Array<{ variable: SettingName; message: string }> = [];
  const ok = (...names: SettingName[]) => names.every((n) => !refused.has(n));
  if (ok('TOLLBRIDGE_RTP_START', 'TOLLBRIDGE_RTP_END') && v.TOLLBRIDGE_RTP_END <= v.TOLLBRIDGE_RTP_START) {
    problems.push({ variable: 'TOLLBRIDGE_RTP_END', message: `must be above TOLLBRIDGE_RTP_START (${v.TOLLBRIDGE_RTP_START})` });
  }
  if (ok('TOLLBRIDGE_PIN_PAUSE_MS', 'TOLLBRIDGE_PIN_MAX_PAUSE_MS') && v.TOLLBRIDGE_PIN_MAX_PAUSE_MS < v.TOLLBRIDGE_PIN_PAUSE_MS) {
    problems.push({ variable: 'TOLLBRIDGE_PIN_MAX_PAUSE_MS', message: `must be at least TOLLBRIDGE_PIN_PAUSE_MS (${v.TOLLBRIDGE_PIN_PAUSE_MS})` });
  }
  if (v.TOLLBRIDGE_DATA_KEY_FILE !== '' && v.TOLLBRIDGE_DATA_KEY !== undefined) {
    problems.push({ variable: 'TOLLBRIDGE_DATA_KEY_FILE', message: 'set TOLLBRIDGE_DATA_KEY or TOLLBRIDGE_DATA_KEY_FILE, not both' });
  }
  if (!ok('TOLLBRIDGE_DEV_MODE') || v.TOLLBRIDGE_DEV_MODE) return problems;
  if (v.TOLLBRIDGE_PIN_SECRET === DEVELOPMENT_PIN_SECRET) {
    problems.push({ variable: 'TOLLBRIDGE_PIN_SECRET', message: 'is the public development value: anyone with a copy of the database could recover every PIN. Unset it (a key is generated into the secrets file) or set TOLLBRIDGE_DEV_MODE=yes for development' });
  }
  for (const variable of ['TOLLBRIDGE_ARI_PASSWORD', 'TOLLBRIDGE_AMI_PASSWORD'] as const) {
    if (v[variable] === OLD_PUBLIC_PASSWORD) problems.push({ variable, message: `"${OLD_PUBLIC_PASSWORD}" is a public default: unset it (a generated one is used) or set TOLLBRIDGE_DEV_MODE=yes for development` });
  }
  return problems;
}

export const settingsSchema = z.object(fields).check((payload) => {
  const refused = new Set(payload.issues.map((issue) => issue.path?.[0]));
  for (const { variable, message } of crossChecks(payload.value, refused)) {
    payload.issues.push({ code: 'custom', path: [variable], message, input: payload.value[variable] });
  }
});

export type Settings = z.output<typeof settingsSchema>;

/**
 * Parses raw values (variable → text) into settings, or lists every refused one. A value the
 * schema's own checks refuse is said in the setting's `allowed` phrase; secrets are never quoted.
 */
export function parseSettings(raw: Readonly<Record<string, string | undefined>>): { ok: true; settings: Settings } | { ok: false; problems: Problem[] } {
  const parsed = settingsSchema.safeParse(raw);
  if (parsed.success) return { ok: true, settings: parsed.data };
  const problems: Problem[] = [];
  for (const issue of parsed.error.issues) {
    const variable = String(issue.path[0] ?? '');
    if (problems.some((p) => p.variable === variable && issue.code !== 'custom')) continue;
    if (!isSettingName(variable)) {
      problems.push({ variable, message: issue.message });
      continue;
    }
    const meta = metaOf(variable);
    const value = raw[variable] ?? '';
    const quoted = meta.secret === 'value' ? 'the value' : `"${meta.secret === 'url password' ? maskUrlPassword(value) : value}"`;
    problems.push({ variable, message: issue.code === 'custom' ? issue.message : `${quoted} is not ${meta.allowed}` });
  }
  return { ok: false, problems };
}

/** Every setting at its default: what an empty environment gives. */
export function defaultSettings(): Settings {
  const parsed = parseSettings({});
  if (!parsed.ok) throw new Error(`the defaults in config/settings.ts are refused: ${parsed.problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`);
  return parsed.settings;
}
