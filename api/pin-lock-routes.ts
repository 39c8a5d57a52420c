// The room owner's side of the PIN-guessing locks (README "PIN guessing"): see whether entry with
// a PIN kind is locked (since, until, how many wrong PINs) and lift it. A lift lets callers
// with the right PIN in again at once; the wrong PINs stay counted, so until the lock would
// have ended the next wrong PIN locks again (db/repositories/pin-failures.ts): whoever locked
// the room gains no new tries from it. Only the owner's credential reaches these routes.
import type { Database } from '../db/index.js';
import { z } from 'zod';
import { PIN_KINDS, type RoomPinLock } from '../domain/pin-locks.js';
import { HttpError, ok, type Auth, type Router } from './http.js';
import { isoTime, json, ownerParams } from './schemas.js';
import { refusedAs } from './validation.js';

const PATH = '/v1/accounts/:accountId/room/pin-lock';

export interface PinLockRouteDeps {
  db: Database;
  /** The account of the request's credential, which must be the one in the path (else 403). */
  owner: Auth<number>;
  roomOf: (accountId: number) => Promise<{ id: number; number: string }>;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** One PIN kind's lock as the API shows it (times as ISO 8601 UTC). */
export function pinLockView(lock: RoomPinLock) {
  return {
    locked: lock.locked,
    lockedSince: iso(lock.lockedSince),
    lockedUntil: iso(lock.lockedUntil),
    liftedAt: iso(lock.liftedAt),
    relocksUntil: iso(lock.relocksUntil),
    failures: lock.failures,
    firstFailureAt: iso(lock.firstFailureAt),
    lastFailureAt: iso(lock.lastFailureAt),
  };
}

export type PinLockView = ReturnType<typeof pinLockView>;

/** GET's answer: the room and each PIN kind. */
export interface RoomPinLocks {
  room: string;
  moderator: PinLockView;
  participant: PinLockView;
}

const PinLockAnswer = z.strictObject({
  locked: z.boolean(),
  lockedSince: isoTime.nullable(),
  lockedUntil: isoTime.nullable(),
  liftedAt: isoTime.nullable(),
  relocksUntil: isoTime.nullable(),
  failures: z.number().int(),
  firstFailureAt: isoTime.nullable(),
  lastFailureAt: isoTime.nullable(),
});
const RoomPinLocksAnswer = z.strictObject({ room: z.string(), moderator: PinLockAnswer, participant: PinLockAnswer });

/** ?kind=moderator|participant; left out (or empty): both. */
const kindQuery = z.strictObject({
  kind: refusedAs(z.enum(['', ...PIN_KINDS]), { code: 'BadQuery', message: '"kind" is moderator or participant (leave it out for both)' })
    .transform((kind) => (kind === '' ? [...PIN_KINDS] : [kind]))
    .optional(),
});

export function registerPinLockRoutes(router: Router, deps: PinLockRouteDeps): void {
  const { db } = deps;
  const locksOf = async (room: { id: number; number: string }): Promise<RoomPinLocks> => {
    const locks = await db.pinFailures.roomLocks(room.id);
    return { room: room.number, moderator: pinLockView(locks.moderator), participant: pinLockView(locks.participant) };
  };

  router.endpoint({
    method: 'GET',
    path: PATH,
    auth: deps.owner,
    params: ownerParams,
    answers: { 200: json('Each PIN kind\'s lock (times ISO 8601 UTC or null).', RoomPinLocksAnswer) },
    handler: async ({ auth: id }) => ok(await locksOf(await deps.roomOf(id))),
  });
  router.endpoint({
    method: 'DELETE',
    path: PATH,
    auth: deps.owner,
    params: ownerParams,
    query: kindQuery,
    answers: { 200: json('The kinds lifted, and each kind\'s lock now.', RoomPinLocksAnswer.extend({ lifted: z.array(z.enum(PIN_KINDS)) })) },
    handler: async ({ auth: id, query }) => {
      const room = await deps.roomOf(id);
      const lifted = await db.pinFailures.liftRoomLock(room.id, query.kind ?? [...PIN_KINDS]);
      if (lifted.length === 0) throw new HttpError(409, 'NotLocked', 'no PIN entry lock is in force for this room: nothing to lift');
      return ok({ lifted, ...(await locksOf(room)) });
    },
  });
}
