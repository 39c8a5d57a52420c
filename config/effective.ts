// The effective configuration, for `tollbridge config`: every setting's value and where it came
// from (default, file, environment). Secrets are never shown: a secret value is masked, a URL
// keeps everything but its password.
import { derivedDefaults, loadSettings } from './config.js';
import { maskUrlPassword, metaOf, SETTING_NAMES, type DatabaseConfig, type SettingName } from './settings.js';
import { unknownEnvironmentNames } from './settings-source.js';

export interface EffectiveSetting {
  variable: SettingName;
  /** The value as it would be written in the environment; a secret's is masked. */
  value: string;
  source: 'default' | 'file' | 'environment';
  /** The file's line, for source 'file'. */
  line?: number;
  secret: boolean;
}

export interface EffectiveConfig {
  /** TOLLBRIDGE_CONFIG_FILE, or null. */
  file: string | null;
  settings: EffectiveSetting[];
  /** TOLLBRIDGE_* names in the environment that are no setting (ignored). */
  unknown: Array<{ name: string; suggestion: string | null }>;
}

export const MASK = '********';

function shownDatabase(db: DatabaseConfig): string {
  return db.client === 'sqlite' ? `sqlite:${db.filename}` : db.url;
}

/** Reads and checks the settings like a start does (a refused one throws ConfigError), without reading or creating the secrets file. */
export function effectiveConfig(env: Readonly<Record<string, string | undefined>> = process.env): EffectiveConfig {
  const { settings, resolved } = loadSettings(env);
  const d = derivedDefaults(settings);
  const computed: Partial<Record<SettingName, string>> = {
    TOLLBRIDGE_DATA_DIR: d.dataDir,
    TOLLBRIDGE_SECRETS_FILE: d.secretsFile,
    TOLLBRIDGE_DB: shownDatabase(d.database),
    TOLLBRIDGE_ASTERISK_SYSTEMNAME: d.systemName,
    TOLLBRIDGE_LEDGER_JOURNAL_DIR: d.ledgerJournalDir,
    TOLLBRIDGE_RECORDINGS_DIR: d.recordingsDir,
  };
  const rows = SETTING_NAMES.map((variable): EffectiveSetting => {
    const meta = metaOf(variable);
    const secret = meta.secret !== false;
    const origin = resolved.origins[variable];
    const raw = resolved.raw[variable];
    if (origin === undefined || raw === undefined) {
      const value = computed[variable] ?? (meta.derived === undefined ? meta.default : `(${meta.derived})`);
      return { variable, value, source: 'default', secret };
    }
    const value = meta.secret === 'value' ? MASK : meta.secret === 'url password' ? maskUrlPassword(raw) : raw;
    return origin.source === 'file' ? { variable, value, source: 'file', line: origin.line, secret } : { variable, value, source: 'environment', secret };
  });
  return { file: resolved.file, settings: rows, unknown: unknownEnvironmentNames(env) };
}
