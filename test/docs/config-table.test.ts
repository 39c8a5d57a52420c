// The README's configuration table is generated from the settings schema: a README whose table
// differs from what config/settings.ts generates fails here, with the command that rewrites it.
import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '../../config/paths.js';
import { metaOf, SETTING_NAMES } from '../../config/settings.js';
import { settingsTable, TABLE_END, TABLE_START, withSettingsTable } from '../../config/settings-table.js';

describe('README configuration table (from config/settings.ts)', () => {
  it('is the table the settings schema generates', async () => {
    const readme = await readFile(path.join(repoRoot(), 'README.md'), 'utf8');
    expect(readme, 'README.md needs the config-table marker comments').to.contain(TABLE_START).and.to.contain(TABLE_END);
    expect(withSettingsTable(readme) === readme, 'README.md\'s configuration table is out of date with config/settings.ts: run `npm run config-table` and commit README.md').to.equal(true);
  });

  it('has one row per setting with its default, allowed values, whether it is a secret and its meaning', () => {
    const rows = settingsTable().split('\n').slice(2);
    expect(rows).to.have.length(SETTING_NAMES.length);
    const row = (name: string) => rows.find((r) => r.startsWith(`| \`${name}\` |`));
    expect(row('TOLLBRIDGE_SIP_PORT')).to.equal('| `TOLLBRIDGE_SIP_PORT` | `5060` | a port number (1-65535) |  | PJSIP UDP port on 127.0.0.1 |');
    expect(row('TOLLBRIDGE_SECRETS_FILE'), 'no <tag> for markdown to swallow').to.contain('| &lt;data dir&gt;/secrets.json |');
    expect(row('TOLLBRIDGE_DATA_KEY')).to.contain('| yes |');
    expect(row('TOLLBRIDGE_DB')).to.contain('| its password |');
    for (const name of SETTING_NAMES) expect(row(name)?.split(' | '), name).to.have.length(5).and.to.include(metaOf(name).secret === 'value' ? 'yes' : metaOf(name).secret === false ? '' : 'its password');
  });

  it('replaces only what is between the markers', () => {
    const text = `intro\n${TABLE_START}\nold table\n${TABLE_END}\nafter\n`;
    expect(withSettingsTable(text)).to.equal(`intro\n${TABLE_START}\n${settingsTable()}\n${TABLE_END}\nafter\n`);
    expect(() => withSettingsTable('no markers')).to.throw(/marker/);
  });
});
