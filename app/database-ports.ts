// The database as the machines see it: Directory and UsageLedger ports over db/'s repositories.
import type { Database } from '../db/index.js';
import type { Directory, LegRecovery, UsageLedger } from '../flows/ports.js';

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
      closeLeg: async (channelId, endedAt) => {
        await db.ledger.closeLeg(channelId, endedAt);
      },
    },
    legRecovery: {
      openLegs: async () =>
        (await db.ledger.openLegs()).flatMap((e) =>
          e.entryKind === 'leg' && e.channelId !== null
            ? [{
                channelId: e.channelId, accountId: e.accountId, subscriptionId: e.subscriptionId, numberId: e.numberId, dialled: e.dialled,
                callerNumber: e.callerNumber, answeredAt: e.answeredAt, role: e.role === 'unauthenticated' ? null : e.role,
              }]
            : [],
        ),
    },
  };
}
