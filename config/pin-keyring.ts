// The PIN keyring of a running process: the keys in the secrets file, plus key 0 (the
// TOLLBRIDGE_PIN_SECRET of installations from before key ids, when set). When the file changes
// (another process rotated the key), the next PIN set uses the new key, and a hash naming a key
// this process has not seen yet makes it read the file again, so no restart is needed.
import fs from 'node:fs';
import type { PinKey, PinKeyring } from './pin-keys.js';
import { readSecrets, type InstallationSecrets } from './secrets-file.js';

export function fileKeyring(file: string, initial: InstallationSecrets, legacyKey: string | null): PinKeyring {
  let secrets = initial;
  let seenMtime = fs.statSync(file).mtimeMs;
  const refresh = (): void => {
    const mtime = fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs;
    if (mtime === undefined || mtime === seenMtime) return;
    secrets = readSecrets(file);
    seenMtime = mtime;
  };
  const lookup = (id: number): string | undefined => (id === 0 ? legacyKey ?? undefined : secrets.pinKeys[String(id)]);
  return {
    current(): PinKey {
      refresh();
      const key = secrets.pinKeys[String(secrets.currentPinKeyId)];
      if (key === undefined) throw new Error(`${file}: the current PIN key ${secrets.currentPinKeyId} is missing`);
      return { id: secrets.currentPinKeyId, key };
    },
    key(id: number): string | undefined {
      const found = lookup(id);
      if (found !== undefined || id === 0) return found;
      refresh();
      return lookup(id);
    },
  };
}
