// Named IVR timeouts. Defaults follow common practice (CyCoreSystems/ari: first digit 4-5 s,
// inter-digit 3 s); not settings: tests hand the call machines shorter ones.
export interface IvrTiming {
  /** After a prompt ends, how long to wait for the first key before re-prompting. */
  firstDigitMs: number;
  /** After a key, how long to wait for the next before taking what was typed. */
  interDigitMs: number;
  /** Attempts at the room number and at the PIN before goodbye. */
  maxAttempts: number;
  /** ARI reports a failed playback poorly: give up waiting for its end after this long. */
  promptGuardMs: number;
}

export const DEFAULT_IVR_TIMING: IvrTiming = {
  firstDigitMs: 5000,
  interDigitMs: 3000,
  maxAttempts: 3,
  promptGuardMs: 30_000,
};

/** Room numbers are 8 digits; PINs 4-8 digits. Entries longer than this are invalid at once. */
export const ROOM_MAX_DIGITS = 8;
export const PIN_MAX_DIGITS = 8;
