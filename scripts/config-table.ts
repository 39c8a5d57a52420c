// `npm run config-table`: writes the README's configuration table from the settings schema
// (config/settings.ts), between its marker comments.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '../config/paths.js';
import { withSettingsTable } from '../config/settings-table.js';

const readme = path.join(repoRoot(), 'README.md');
const before = await readFile(readme, 'utf8');
const after = withSettingsTable(before);
if (after === before) console.log('README.md: the configuration table is up to date');
else {
  await writeFile(readme, after);
  console.log('README.md: configuration table written');
}
