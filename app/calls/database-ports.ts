// The database as the machines see it: Directory and UsageLedger ports over db/'s repositories,
// and the ledger behind its local journal (what the running bridge uses).
import type { Logger } from 'pino';
import { type Database } from '../../db/index.js';
import { DomainError } from '../../domain/errors.js';
import type { Directory, LegRecovery, UsageLedger } from '../../flows/ports.js';
import { adoptSegments } from '../../journal/journal-file.js';
import { JournaledLedger } from '../../journal/journaled-ledger.js';

export function databasePorts(db: Database): { directory: Directory; ledger: UsageLedger; legRecovery: LegRecovery } {
  return {
    directory: {
      routeFor: (e164) => db.numbers.routeFor(e164),
      findRoom: (roomNumber) => db.rooms.findByNumber(roomNumber),
      verifyPin: (roomId, pin) => db.rooms.verifyPin(roomId, pin),
    },
    ledger: {
      openLeg: async (leg) => {
        await db.ledger.openLeg(leg);
      },
      assign: (channelId, assignment) => db.ledger.assign(channelId, assignment),
      closeLeg: async (channelId, endedAt, reason) => {
        await db.ledger.closeLeg(channelId, endedAt, reason);
      },
    },
    legRecovery: {
      openLegs: async () =>
        (await db.ledger.openLegs()).flatMap((e) =>
          e.entryKind === 'leg' && e.channelId !== null
            ? [{
                channelId: e.channelId, accountId: e.accountId, subscriptionId: e.subscriptionId, numberId: e.numberId, dialled: e.dialled,
                callerNumber: e.callerNumber, answeredAt: e.answeredAt, role: e.role === 'unauthenticated' ? null : e.role,
                ...(e.legKind === 'callback' ? { legKind: e.legKind } : {}),
              }]
            : [],
        ),
    },
  };
}

/**
 * The bridge's callers look rooms up in memory from now on (db/room-row-cache.ts); a failed
 * poll of the rooms' change counter is logged and sends lookups to the database meanwhile.
 */
export async function holdRoomsInMemory(db: Database, log: Logger): Promise<void> {
  await db.rooms.cache.start((err) => log.warn({ err }, 'rooms change counter not read: rooms are looked up in the database until it is'));
}

/**
 * The ledger port the bridge runs with: journal first (fsync'd in `dir`), then the database.
 * A domain error (say, a number no longer in the inventory) will not change on retry: the
 * record is logged and skipped; anything else (locked, unreachable) is retried until it passes.
 * Caller numbers are sealed with the data key in the journal's files, as in the database.
 * `adoptFrom`: the journal folder older versions shared (config.sharedLedgerJournalDir).
 */
export async function openJournaledLedger(db: Database, dir: string, log: Logger, options: { sync?: boolean; adoptFrom?: string | null } = {}): Promise<JournaledLedger> {
  if (options.adoptFrom !== undefined && options.adoptFrom !== null) {
    const moved = await adoptSegments(options.adoptFrom, dir);
    if (moved > 0) log.info({ from: options.adoptFrom, dir, segments: moved }, 'ledger journal: files of the folder all processes shared before moved into this systemname\'s folder');
  }
  return JournaledLedger.open({ dir, target: databasePorts(db).ledger, log, isPermanent: (err) => err instanceof DomainError, sync: options.sync, seal: db.cipher });
}
