// The keys PIN hashes are made with. Every hash records the id of its key (rooms.pin_key_id),
// so a new key can be added (tollbridge secrets rotate-pin-key) while the PINs set before keep
// being checked with the key they were made with.

export interface PinKey {
  id: number;
  key: string;
}

export interface PinKeyring {
  /** The key new PIN hashes are made with. */
  current(): PinKey;
  /** The key of this id; undefined when this process does not have it (no PIN made with it can be checked). */
  key(id: number): string | undefined;
}

/** A fixed keyring (tests, benchmarks, one process with one secret). */
export function staticKeyring(keys: Record<number, string>, currentId: number): PinKeyring {
  const current = keys[currentId];
  if (current === undefined || current === '') throw new Error(`staticKeyring: no key ${currentId}`);
  return {
    current: () => ({ id: currentId, key: current }),
    key: (id) => keys[id],
  };
}
