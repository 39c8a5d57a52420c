// The room owner's side of the PIN-guessing locks (README "PIN guessing"): see whether entry with
// a PIN kind is locked (since, until, how many wrong PINs) and lift it. A lift lets callers
// with the right PIN in again at once; the wrong PINs stay counted, so until the lock would
// have ended the next wrong PIN locks again (db/repositories/pin-failures.ts): whoever locked
// the room gains no new tries from it. Only the owner's credential reaches these routes.
import type { Database } from '../db/index.js';
import { PIN_KINDS, type PinKind, type RoomPinLock } from '../domain/pin-locks.js';
import { HttpError, ok, type Request, type Router } from './http.js';

const PATH = '/v1/accounts/:accountId/room/pin-lock';

export interface PinLockRouteDeps {
  db: Database;
  /** The account of the request's credential, which must be the one in the path (else 403). */
  owner: (req: Request) => Promise<number>;
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

function kindsOf(req: Request): PinKind[] {
  const kind = req.query.get('kind');
  if (kind === null || kind === '') return [...PIN_KINDS];
  if (!(PIN_KINDS as readonly string[]).includes(kind)) throw new HttpError(400, 'BadQuery', '"kind" is moderator or participant (leave it out for both)');
  return [kind as PinKind];
}

export function registerPinLockRoutes(router: Router, deps: PinLockRouteDeps): void {
  const { db } = deps;
  const locksOf = async (room: { id: number; number: string }): Promise<RoomPinLocks> => {
    const locks = await db.pinFailures.roomLocks(room.id);
    return { room: room.number, moderator: pinLockView(locks.moderator), participant: pinLockView(locks.participant) };
  };

  router.add('GET', PATH, async (req) => ok(await locksOf(await deps.roomOf(await deps.owner(req)))));
  router.add('DELETE', PATH, async (req) => {
    const room = await deps.roomOf(await deps.owner(req));
    const lifted = await db.pinFailures.liftRoomLock(room.id, kindsOf(req));
    if (lifted.length === 0) throw new HttpError(409, 'NotLocked', 'no PIN entry lock is in force for this room: nothing to lift');
    return ok({ lifted, ...(await locksOf(room)) });
  });
}
