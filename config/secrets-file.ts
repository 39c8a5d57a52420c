// The installation's own secrets, generated on first use into one file only its owner may read
// (0600): the PIN keys (a keyring: every PIN hash names the key it was made with, so a new key
// can be added without breaking the PINs already set), the data key that encrypts caller
// numbers and e-mail addresses at rest, the ARI and AMI passwords the rendered
// Asterisk configuration uses, and the operator token. No public default is ever used.
// Created atomically (a complete temporary file hard-linked into place), so two processes
// starting at once end up with the same secrets.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { makePrivateDir } from './private-files.js';

export interface InstallationSecrets {
  /** PIN keys by id (base64url); ids start at 1 (0 is TOLLBRIDGE_PIN_SECRET's, see config.ts). */
  pinKeys: Record<string, string>;
  /** The key new PIN hashes are made with. */
  currentPinKeyId: number;
  /** Key of caller numbers and e-mail addresses at rest (32 random bytes, base64url). */
  dataKey: string;
  ariPassword: string;
  amiPassword: string;
  operatorToken: string;
}

export class SecretsFileError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'SecretsFileError';
  }
}

const randomSecret = (bytes: number): string => randomBytes(bytes).toString('base64url');

export function generateSecrets(): InstallationSecrets {
  return {
    pinKeys: { '1': randomSecret(32) },
    currentPinKeyId: 1,
    dataKey: randomSecret(32),
    ariPassword: randomSecret(24),
    amiPassword: randomSecret(24),
    operatorToken: `tb_op_${randomSecret(24)}`,
  };
}

function parse(file: string, text: string): InstallationSecrets {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new SecretsFileError(file, 'is not JSON: restore it from a backup (PINs hashed with its keys cannot be checked without it)');
  }
  const s = raw as Partial<InstallationSecrets>;
  const keysOk = typeof s.pinKeys === 'object' && s.pinKeys !== null && Object.entries(s.pinKeys).every(([id, key]) => /^[1-9]\d{0,8}$/.test(id) && typeof key === 'string' && key.length >= 32);
  const current = s.currentPinKeyId;
  if (!keysOk || typeof current !== 'number' || s.pinKeys?.[String(current)] === undefined) {
    throw new SecretsFileError(file, 'has no valid pinKeys/currentPinKeyId: restore it from a backup');
  }
  // A file from before data keys has none (addDataKey gives it one); a present one must be whole.
  if (s.dataKey !== undefined && (typeof s.dataKey !== 'string' || s.dataKey.length < 32)) {
    throw new SecretsFileError(file, 'has no valid dataKey (32+ characters): restore it from a backup (caller numbers and e-mail addresses encrypted with it cannot be read without it)');
  }
  for (const name of ['ariPassword', 'amiPassword', 'operatorToken'] as const) {
    const value = s[name];
    if (typeof value !== 'string' || value.length < 16 || /\s/.test(value)) throw new SecretsFileError(file, `has no valid ${name} (16+ characters, no spaces)`);
  }
  return s as InstallationSecrets;
}

/** Reads the file, refusing it when anyone but its owner may read or write it. */
export function readSecrets(file: string): InstallationSecrets {
  const stat = fs.statSync(file);
  if ((stat.mode & 0o077) !== 0) {
    throw new SecretsFileError(file, `is readable or writable by others (mode ${(stat.mode & 0o777).toString(8)}): chmod 600 ${file}`);
  }
  return parse(file, fs.readFileSync(file, 'utf8'));
}

/** Writes `secrets` to `file` (0600) atomically; with `exclusive`, only if no file is there yet. */
function writeSecrets(file: string, secrets: InstallationSecrets, exclusive: boolean): boolean {
  makePrivateDir(path.dirname(file));
  const tmp = `${file}.${process.pid}.${randomSecret(6)}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  try {
    if (!exclusive) {
      fs.renameSync(tmp, file);
      return true;
    }
    try {
      fs.linkSync(tmp, file);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/** The installation's secrets: read from `file`, or generated into it on first use. */
export function loadOrCreateSecrets(file: string): { secrets: InstallationSecrets; created: boolean } {
  if (fs.existsSync(file)) return { secrets: withDataKey(file, readSecrets(file)), created: false };
  const created = writeSecrets(file, generateSecrets(), true);
  // Another process may have won the race: everyone uses the file that is there.
  return { secrets: withDataKey(file, readSecrets(file)), created };
}

/** How long a process waits for another one that is adding the data key to the same file. */
const DATA_KEY_LOCK_WAIT_MS = 5_000;

/**
 * A file written before data keys gets one, once: under a lock file (created exclusively), so
 * two processes starting at once cannot each write, and then use, a different key.
 */
function withDataKey(file: string, secrets: InstallationSecrets): InstallationSecrets {
  if (typeof secrets.dataKey === 'string') return secrets;
  const lock = `${file}.lock`;
  const deadline = Date.now() + DATA_KEY_LOCK_WAIT_MS;
  for (;;) {
    let fd: number;
    try {
      fd = fs.openSync(lock, 'wx', 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (Date.now() > deadline) throw new SecretsFileError(file, `${lock} has been there for ${DATA_KEY_LOCK_WAIT_MS} ms: if no tollbridge process is starting, remove it`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      continue;
    }
    try {
      const current = readSecrets(file);
      if (typeof current.dataKey === 'string') return current;
      const next: InstallationSecrets = { ...current, dataKey: randomSecret(32) };
      writeSecrets(file, next, false);
      return readSecrets(file);
    } finally {
      fs.closeSync(fd);
      fs.rmSync(lock, { force: true });
    }
  }
}

/** Adds a new PIN key and makes it current; the old keys stay so existing PINs keep working. */
export function rotatePinKey(file: string): { id: number; keys: number } {
  const secrets = readSecrets(file);
  const id = Math.max(...Object.keys(secrets.pinKeys).map(Number)) + 1;
  const next: InstallationSecrets = { ...secrets, pinKeys: { ...secrets.pinKeys, [String(id)]: randomSecret(32) }, currentPinKeyId: id };
  writeSecrets(file, next, false);
  return { id, keys: Object.keys(next.pinKeys).length };
}
