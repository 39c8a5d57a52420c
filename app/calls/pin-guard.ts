// The PinGuard port over the database's failure counts (db/repositories/pin-failures.ts). When
// a failure begins a lock: a warning in the log (room and caller, never the digits) and, for a
// room's lock, one e-mail to the room's owner. Mail goes out off the caller's path.
import type { Logger } from 'pino';
import type { Database } from '../../db/index.js';
import type { GuardState, PinKind } from '../../domain/pin-locks.js';
import type { PinAttempt, PinGuard, PinGuardStatus } from '../../flows/ports.js';
import type { PinGuessingLimits } from '../../domain/limits.js';
import type { PinGuessingConfig } from '../../config/config.js';
import type { Mailer } from '../accounts/mailer.js';

function toStatus(state: GuardState): PinGuardStatus {
  return {
    locked: { moderator: state.room.moderator.locked, participant: state.room.participant.locked },
    callerLocked: state.caller.locked,
    failures: Math.max(state.room.moderator.failures, state.room.participant.failures, state.caller.failures),
  };
}

const KIND_NAME: Record<PinKind, string> = { moderator: 'moderator', participant: 'participant' };

/** Hears each lock a failure begins (GET /metrics counts them). */
export interface PinLockObserver {
  pinLocked(scope: 'room' | 'caller'): void;
}

export function databasePinGuard(db: Database, mailer: Mailer | null, log: Logger, locks?: PinLockObserver): PinGuard {
  const keys = (attempt: PinAttempt) => ({ roomId: attempt.room.id, callerNumber: attempt.callerNumber });
  const tellOwner = async (attempt: PinAttempt, kinds: PinKind[], lockedUntil: number): Promise<void> => {
    if (mailer === null) return;
    const owner = await db.accounts.get(attempt.room.accountId);
    const until = new Date(lockedUntil).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await mailer.send({
      to: owner.email,
      subject: `Room ${attempt.room.number}: PIN entry locked after repeated wrong PINs`,
      text: [
        `Hello ${owner.name},`,
        '',
        `Someone entered wrong PINs for your room ${attempt.room.number} too many times, so entry with the`,
        `${kinds.map((k) => KIND_NAME[k]).join(' and ')} PIN is locked until ${until} (UTC).`,
        `The last wrong entry came from the calling number ${attempt.callerNumber ?? 'withheld'}.`,
        '',
        'If this was not you or your participants, someone may be trying to guess your PINs.',
        'Changing the locked PIN lifts its lock at once and makes the wrong guesses worthless: choose new',
        'PINs on your room\'s web page (My room, "Change PINs") or with',
        `PUT /v1/accounts/${owner.id}/room/pins, at least 6 digits for the moderator.`,
        '',
        'To let your callers in with the PINs they have, lift the lock instead:',
        '- on your room\'s web page (My room): the button "Lift the PIN lock";',
        `- with the API: DELETE /v1/accounts/${owner.id}/room/pin-lock (GET shows the lock);`,
        `- or ask your operator: tollbridge pins lift ${attempt.room.number}`,
        'A lifted lock keeps the wrong PINs counted: until it would have ended, one more wrong PIN locks',
        'entry again.',
      ].join('\n'),
    });
  };
  return {
    status: async (attempt) => toStatus(await db.pinFailures.state(keys(attempt))),
    recordFailure: async (attempt) => {
      const recorded = await db.pinFailures.recordFailure({ ...keys(attempt), kinds: attempt.kinds });
      const roomKinds = recorded.lockBegan.filter((k): k is PinKind => k !== 'caller');
      if (roomKinds.length > 0) {
        locks?.pinLocked('room');
        const lockedUntil = Math.max(...roomKinds.map((k) => recorded.room[k].lockedUntil ?? 0));
        log.warn({ room: attempt.room.number, roomId: attempt.room.id, callerNumber: attempt.callerNumber, kinds: roomKinds, lockedUntil }, 'PIN entry locked for the room: too many wrong PINs');
        tellOwner(attempt, roomKinds, lockedUntil).catch((err: unknown) => log.error({ err, room: attempt.room.number }, 'could not e-mail the room owner about the PIN lock'));
      }
      if (recorded.lockBegan.includes('caller')) {
        locks?.pinLocked('caller');
        log.warn({ callerNumber: attempt.callerNumber, room: attempt.room.number, lockedUntil: recorded.caller.lockedUntil }, 'PIN entry locked for the calling number: too many wrong PINs');
      }
      return toStatus(recorded);
    },
  };
}

/** The machines' share of the guessing configuration: the pause after a failure and the IVR caps. */
export function guessingLimits(config: PinGuessingConfig): PinGuessingLimits {
  return {
    pauseMs: config.pauseMs,
    maxPauseMs: config.maxPauseMs,
    maxUnauthenticatedPerNumber: config.maxUnauthenticatedPerNumber,
    maxUnauthenticatedPerCaller: config.maxUnauthenticatedPerCaller,
    maxFailingPerNumber: config.maxFailingPerNumber,
  };
}
