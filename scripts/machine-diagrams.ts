// `npm run diagrams`: writes each machine's diagram (scripts/diagrams/machines.ts lists them) to
// docs/<machine>.md, drawn from the machine definitions themselves. test/docs/diagrams.test.ts
// fails when a committed diagram differs from what this would write.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '../config/paths.js';
import { diagramFiles } from './diagrams/machines.js';

const root = repoRoot();
for (const [file, text] of diagramFiles()) {
  const target = path.join(root, file);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, text);
  console.log(`wrote ${file}`);
}
