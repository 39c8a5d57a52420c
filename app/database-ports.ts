// The database as the machines see it: Directory and UsageLedger ports over db/'s repositories.
import type { Database } from '../db/index.js';
import type { Directory, UsageLedger } from '../flows/ports.js';

export function databasePorts(db: Database): { directory: Directory; ledger: UsageLedger } {
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
  };
}
