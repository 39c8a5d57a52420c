// What tollbridge creates for itself holds personal data or secrets (the SQLite database and
// its -wal/-shm, the ledger journal, the secrets file): directories it creates are 0700 and its
// files 0600, whatever the umask. A directory that already exists is left as it is (a database
// may be put in a shared directory such as /tmp); a file of ours found readable by others, as
// earlier versions left them, is tightened.
import fs from 'node:fs';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` and any missing parents 0700 (existing ones keep their mode). */
export function makePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

export async function makePrivateDirAsync(dir: string): Promise<void> {
  await fs.promises.mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Makes `file` 0600 if it exists and others (or its group) may read or write it. */
export function tightenFile(file: string): void {
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (stat !== undefined && stat.isFile() && (stat.mode & 0o077) !== 0) fs.chmodSync(file, PRIVATE_FILE_MODE);
}

/** Creates `file` empty and 0600 when missing; tightens it when present. */
export function makePrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE_MODE));
  tightenFile(file);
}
