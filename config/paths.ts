// Finds the repository root from compiled (dist/) or source locations alike, so the
// Asterisk configs in sip-config/ and dialplan/ are found however the code is run.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function repoRoot(): string {
  if (cached !== undefined) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && fs.existsSync(path.join(dir, 'sip-config'))) {
      cached = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('tollbridge: cannot find the repository root (package.json beside sip-config/)');
    dir = parent;
  }
}
