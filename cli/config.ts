// tollbridge config: the effective configuration (every setting, its value and where it came
// from), secrets masked; a refused setting ends with exit 78 like a start would. Unknown
// TOLLBRIDGE_* names are warned about on stderr by main.ts, as for every command.
import { effectiveConfig, type EffectiveSetting } from '../config/effective.js';
import type { Command } from './command.js';
import { noExtraPositionals } from './open-db.js';

function sourceText(s: EffectiveSetting, file: string | null): string {
  return s.source === 'file' ? `file ${file ?? ''} line ${s.line ?? 0}` : s.source;
}

export const configCommand: Command = {
  path: ['config'],
  summary: 'operator: print the effective configuration: every TOLLBRIDGE_* setting, its value and where it came from (default, file, environment); secrets are masked',
  usage: 'config',
  optionHelp: ['(the settings file: TOLLBRIDGE_CONFIG_FILE; the environment wins over it; nothing is read or written beyond it)'],
  options: {},
  async run(args, io) {
    noExtraPositionals(args, 0);
    const config = effectiveConfig();
    const width = Math.max(...config.settings.map((s) => s.variable.length));
    const valueWidth = Math.min(40, Math.max(...config.settings.map((s) => s.value.length)));
    const lines = [
      config.file === null ? 'No settings file (TOLLBRIDGE_CONFIG_FILE is not set).' : `Settings file: ${config.file}`,
      '',
      ...config.settings.map((s) => `${s.variable.padEnd(width)}  ${(s.value === '' ? '(empty)' : s.value).padEnd(valueWidth)}  ${sourceText(s, config.file)}`),
    ];
    io.result(config, lines.join('\n'));
  },
};
