// The README's configuration table, generated from the settings schema (config/settings.ts):
// `npm run config-table` writes it between the two marker comments; test/docs/config-table.test.ts
// fails when the README's table differs from what the schema generates.
import { metaOf, SETTING_NAMES } from './settings.js';

export const TABLE_START = '<!-- config-table: generated from config/settings.ts by `npm run config-table`; edit the schema, not this table -->';
export const TABLE_END = '<!-- config-table end -->';

const cell = (text: string): string => text.replaceAll('|', '\\|');
/** Plain text (not markdown): `<data dir>` must not read as an HTML tag, nor `*` as emphasis. */
const plain = (text: string): string => cell(text.replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('*', '\\*'));

/** One row per setting, in the schema's order. */
export function settingsTable(): string {
  const rows = SETTING_NAMES.map((name) => {
    const meta = metaOf(name);
    const fallback = meta.derived !== undefined ? plain(meta.derived) : meta.default === '' ? 'empty' : `\`${cell(meta.default)}\``;
    const secret = meta.secret === 'value' ? 'yes' : meta.secret === 'url password' ? 'its password' : '';
    const where = meta.environmentOnly === undefined ? '' : ` (environment only: ${meta.environmentOnly})`;
    return `| \`${name}\` | ${fallback} | ${plain(meta.allowed)} | ${secret} | ${cell(meta.description + where)} |`;
  });
  return ['| variable | default | allowed | secret | meaning |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** `readme` with the text between the markers replaced by the generated table. */
export function withSettingsTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md needs the two marker lines around the configuration table:\n${TABLE_START}\n${TABLE_END}`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${settingsTable()}\n${readme.slice(end)}`;
}
