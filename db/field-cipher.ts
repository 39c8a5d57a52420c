// Personal fields at rest: caller numbers and e-mail addresses are stored encrypted
// (AES-256-GCM, a fresh IV per value) with a key kept outside the database, and e-mail
// addresses are found again through a keyed blind index (HMAC-SHA-256 of the normalised
// address), so sign-in by e-mail still costs one indexed query. The PIN guard's per-caller
// counters keep only a keyed hash of the calling number (another HMAC key). All keys derive
// from one data key (HKDF), whose id is written with every value so a later key can replace it.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** Every encrypted value starts with this: `v1:<key id>:<base64 iv|tag|ciphertext>`. */
export const CIPHER_PREFIX = 'v1:';

export interface FieldCipher {
  /** The value encrypted; null stays null. */
  encrypt(plain: string | null): string | null;
  /** The value decrypted; a value stored before encryption (no prefix) is returned as it is. */
  decrypt(stored: string | null): string | null;
  /** The keyed blind index of an (already normalised) e-mail address: equal addresses, equal index. */
  emailIndex(email: string): string;
  /**
   * The keyed hash of a calling number, for tables that only need to find the same caller again
   * (the PIN guard's counters): `h1:` and 43 base64url characters; the number cannot be read back.
   */
  callerIndex(callerNumber: string): string;
  readonly keyId: string;
}

/** Every keyed caller hash starts with this (46 characters in all: fits a varchar(64)). */
export const CALLER_INDEX_PREFIX = 'h1:';

/** Whether a stored subject is a keyed caller hash (rather than a number stored before they were hashed). */
export const isCallerIndex = (stored: string): boolean => /^h1:[A-Za-z0-9_-]{43}$/.test(stored);

/** Whether a stored value is encrypted (rows written before migration 009 are not, until opened once). */
export const isEncrypted = (stored: string): boolean => stored.startsWith(CIPHER_PREFIX);

/**
 * A cipher from the data key: the secrets file's generated dataKey, or TOLLBRIDGE_DATA_KEY
 * (at least 32 characters) when an operator sets one.
 */
export function createFieldCipher(dataKey: string): FieldCipher {
  if (dataKey === '') throw new Error('the data key is empty');
  const derive = (label: string) => Buffer.from(hkdfSync('sha256', dataKey, 'tollbridge-data-key', label, 32));
  const encKey = derive('field encryption v1');
  const indexKey = derive('email blind index v1');
  const callerKey = derive('caller blind index v1');
  const keyId = createHmac('sha256', derive('key id')).update('id').digest('hex').slice(0, 8);
  return {
    keyId,
    encrypt: (plain) => {
      if (plain === null) return null;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encKey, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${CIPHER_PREFIX}${keyId}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
    },
    decrypt: (stored) => {
      if (stored === null || !isEncrypted(stored)) return stored;
      const [, id, data] = stored.split(':');
      if (id !== keyId || data === undefined) throw new Error(`a personal field is encrypted with key ${String(id)}, not the configured data key ${keyId}`);
      const raw = Buffer.from(data, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', encKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    },
    emailIndex: (email) => createHmac('sha256', indexKey).update(email).digest('hex'),
    callerIndex: (callerNumber) => `${CALLER_INDEX_PREFIX}${createHmac('sha256', callerKey).update(callerNumber).digest('base64url')}`,
  };
}
