// Where each setting's text comes from: the environment, else the file TOLLBRIDGE_CONFIG_FILE
// names, else the default. The file holds `TOLLBRIDGE_NAME=value` lines (`#` comments, blank
// lines; a value may be quoted), the format of systemd's EnvironmentFile, so one file can serve
// both. A name in the file that is not a setting is a typo and stops the start, naming the line;
// one in the environment may belong to something else (a test, another version) and is only
// warned about by the CLI.
import fs from 'node:fs';
import { ConfigError, type Problem } from './config-error.js';
import { isSettingName, metaOf, SETTING_NAMES, type SettingName } from './settings.js';

export type SettingOrigin = { source: 'environment' } | { source: 'file'; line: number };

export interface ResolvedSettings {
  /** Each setting's text, from the environment or the file. */
  raw: Partial<Record<SettingName, string>>;
  origins: Partial<Record<SettingName, SettingOrigin>>;
  /** The file read (TOLLBRIDGE_CONFIG_FILE), or null. */
  file: string | null;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * TOLLBRIDGE_* names read by tests, benchmarks and development scripts, not by the bridge
 * (test/, bench/, db/postgres-local.sh, sipp/caller.ts): not settings, but no typo either.
 */
const NOT_SETTINGS = ['TOLLBRIDGE_TEST_', 'TOLLBRIDGE_LOAD_', 'TOLLBRIDGE_SOAK_', 'TOLLBRIDGE_FAULT_', 'TOLLBRIDGE_FUZZ_', 'TOLLBRIDGE_PG_', 'TOLLBRIDGE_KEEP_'];

/** The settings' text from the environment over the file's; an empty value counts as unset. */
export function resolveSettings(env: Env): ResolvedSettings {
  const file = env.TOLLBRIDGE_CONFIG_FILE ?? '';
  const fromFile = file === '' ? new Map<SettingName, { value: string; line: number }>() : readConfigFile(file);
  const raw: Partial<Record<SettingName, string>> = {};
  const origins: Partial<Record<SettingName, SettingOrigin>> = {};
  for (const name of SETTING_NAMES) {
    const envValue = env[name];
    const inFile = fromFile.get(name);
    if (envValue !== undefined && envValue !== '') {
      raw[name] = envValue;
      origins[name] = { source: 'environment' };
    } else if (inFile !== undefined && inFile.value !== '') {
      raw[name] = inFile.value;
      origins[name] = { source: 'file', line: inFile.line };
    }
  }
  return { raw, origins, file: file === '' ? null : file };
}

/** Reads a settings file; every line that is not a known setting is refused, all of them at once. */
export function readConfigFile(file: string): Map<SettingName, { value: string; line: number }> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('TOLLBRIDGE_CONFIG_FILE', `cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const values = new Map<SettingName, { value: string; line: number }>();
  const problems: Problem[] = [];
  const refuse = (line: number, message: string) => problems.push({ variable: 'TOLLBRIDGE_CONFIG_FILE', message: `${file} line ${line}: ${message}` });
  text.split(/\r?\n/).forEach((content, index) => {
    const line = index + 1;
    const trimmed = content.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    // The line itself is never quoted back: it may hold a secret.
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(trimmed);
    if (m === null) return refuse(line, 'not NAME=value');
    const [, name = '', rest = ''] = m;
    if (!isSettingName(name)) return refuse(line, `${name} is not a tollbridge setting${hint(name)}`);
    const onlyEnv = metaOf(name).environmentOnly;
    if (onlyEnv !== undefined) return refuse(line, `${name} cannot be set in this file (${onlyEnv}): set it in the environment`);
    const earlier = values.get(name);
    if (earlier !== undefined) return refuse(line, `${name} is already set on line ${earlier.line}`);
    values.set(name, { value: unquote(rest.trim()), line });
  });
  const secrets = [...values.keys()].filter((name) => metaOf(name).secret !== false);
  const mode = fs.statSync(file).mode;
  if (secrets.length > 0 && (mode & 0o007) !== 0) {
    problems.push({ variable: 'TOLLBRIDGE_CONFIG_FILE', message: `${file} holds secrets (${secrets.join(', ')}) and anyone on this machine may read it (mode ${(mode & 0o777).toString(8)}): chmod o-rwx ${file}` });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values;
}

/** `"a b"` or `'a b'` → `a b`; anything else as it is. */
function unquote(value: string): string {
  const quoted = value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0];
  return quoted ? value.slice(1, -1) : value;
}

/** TOLLBRIDGE_* names in the environment that are no setting: likely typos, each with the closest setting. */
export function unknownEnvironmentNames(env: Env): Array<{ name: string; suggestion: string | null }> {
  return Object.keys(env)
    .filter((name) => name.startsWith('TOLLBRIDGE_') && !isSettingName(name) && !NOT_SETTINGS.some((prefix) => name.startsWith(prefix)))
    .sort()
    .map((name) => ({ name, suggestion: closestSetting(name) }));
}

/** The warning the CLI prints for one unknown name. */
export function unknownNameWarning({ name, suggestion }: { name: string; suggestion: string | null }): string {
  return `${name} is set but is not a tollbridge setting, so it is ignored${suggestion === null ? '' : `; did you mean ${suggestion}?`}`;
}

function hint(name: string): string {
  const suggestion = name.startsWith('TOLLBRIDGE_') ? closestSetting(name) : null;
  if (suggestion !== null) return `; did you mean ${suggestion}?`;
  return name.startsWith('TOLLBRIDGE_') ? ' (`tollbridge config` lists them)' : ' (every setting starts with TOLLBRIDGE_)';
}

/** The setting a typo most likely meant: at most 3 edits away. */
function closestSetting(name: string): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const candidate of SETTING_NAMES) {
    const distance = editDistance(name, candidate);
    if (distance <= 3 && (best === null || distance < best.distance)) best = { name: candidate, distance };
  }
  return best?.name ?? null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
