// The limits on a caller's stay and on PIN guessing, as the machines enforce them, and on an
// owner's subscriptions, as the numbers repository does (TOLLBRIDGE_* variables, config/config.ts).

/** The limits on a caller's stay, enforced by the machines. 0 turns a limit off. */
export interface CallLimits {
  /** On hold waiting for a moderator at most this long, then a prompt and hang-up. */
  moderatorWaitMs: number;
  /** Alone in the conference at most this long, then a prompt and hang-up. */
  aloneMs: number;
  /** A leg lasts at most this long from answer. */
  maxLegMs: number;
  /** A caller admitted to a room must be in one of its bridges within this long; else retried once, then hung up. */
  placementMs: number;
}

export const DEFAULT_CALL_LIMITS: CallLimits = {
  moderatorWaitMs: 30 * 60_000,
  aloneMs: 10 * 60_000,
  maxLegMs: 4 * 3_600_000,
  placementMs: 5_000,
};

/** The pause before the next PIN prompt after a failure, and the caps on calls still in the IVR. */
export interface PinGuessingLimits {
  /** The pause after the first failure; it doubles with each failure counted, up to `maxPauseMs`. */
  pauseMs: number;
  maxPauseMs: number;
  /** Calls answered and not yet in a room, per dialled number and per calling number (this process); 0: no cap. */
  maxUnauthenticatedPerNumber: number;
  maxUnauthenticatedPerCaller: number;
  /**
   * Of those per dialled number, the ones that already failed an entry (a wrong or missing room
   * number or PIN): guessing looks like that, a meeting's crowd arriving on the hour does not.
   * 0 or absent: no separate cap.
   */
  maxFailingPerNumber?: number;
}

export const DEFAULT_PIN_GUESSING_LIMITS: PinGuessingLimits = {
  pauseMs: 1_000,
  maxPauseMs: 8_000,
  maxUnauthenticatedPerNumber: 400,
  maxUnauthenticatedPerCaller: 10,
  maxFailingPerNumber: 50,
};

/** No pause and no caps: what the machines do when they are given no guessing limits (unit tests). */
export const NO_GUESSING_LIMITS: PinGuessingLimits = { pauseMs: 0, maxPauseMs: 0, maxUnauthenticatedPerNumber: 0, maxUnauthenticatedPerCaller: 0 };

/** Limits on an account's subscriptions (TOLLBRIDGE_* variables, config/config.ts). */
export interface OwnerLimits {
  /** Numbers one account may hold at once. */
  maxNumbersPerAccount: number;
  /** Subscriptions one account may start in 24 hours. */
  maxSubscribesPerDay: number;
  /** A number released within this long of its subscription, never called, skips quarantine. */
  unusedReleaseMs: number;
}
