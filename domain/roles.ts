// Who a caller is in a room, and what a leg of the ledger records before the caller got in.

/** A caller who entered a room: with the moderator's PIN or the participants'. */
export type Role = 'moderator' | 'participant';

/** A leg's role on the ledger: 'unauthenticated' until the caller entered a room. */
export type LegRole = Role | 'unauthenticated';
