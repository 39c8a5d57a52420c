// The expected time to guess a room's PIN by redialling, under the guessing limits of the
// configuration (README "Security"). Whatever the carrier's call rate and however many caller
// ids the guesser rotates, a room's PIN kind takes at most `lockAfter` wrong PINs before it
// locks for `lockMs` (+ one check per further bridge process racing the lock); a guesser who
// stays under the limit gets `lockAfter - 1` per window instead. The faster of the two is the
// guesser's best rate. The time to place the calls is left out, so this is a lower bound.
import type { PinGuessingConfig } from '../../config/config.js';
import { allowedPinCount, PIN_MIN_DIGITS } from '../../domain/pin-rules.js';

export interface GuessTime {
  /** PINs a guesser must consider for the weaker PIN kind (trivial ones cannot be set). */
  keyspace: number;
  /** Expected wrong PINs before a hit. */
  expectedGuesses: number;
  /** The guesser's best rate against one room. */
  guessesPerDay: number;
  days: number;
  years: number;
}

const DAY_MS = 86_400_000;

export function expectedTimeToGuess(config: PinGuessingConfig, options: { processes?: number } = {}): GuessTime {
  const processes = options.processes ?? 1;
  const participantDigits = PIN_MIN_DIGITS;
  const keyspace = allowedPinCount(participantDigits);
  // Both PINs as short as allowed: every guess tests both, and the first of two distinct PINs is
  // found after (K+1)/3 guesses on average. A longer moderator PIN leaves the participant's, (K+1)/2.
  const expectedGuesses = config.moderatorPinMinDigits <= participantDigits ? (keyspace + 1) / 3 : (keyspace + 1) / 2;
  const lockAfter = Math.max(config.roomLockAfter.moderator, config.roomLockAfter.participant);
  const perLock = (lockAfter + processes - 1) / (config.lockMs / DAY_MS);
  const underTheLimit = (lockAfter - 1) / (config.windowMs / DAY_MS);
  const guessesPerDay = Math.max(perLock, underTheLimit);
  const days = expectedGuesses / guessesPerDay;
  return { keyspace, expectedGuesses, guessesPerDay, days, years: days / 365 };
}
