// `npm start` on an empty database seeds a demo account: a room with PINs and a subscribed
// toll-free number, so a first-time user can call in at once. On later starts the same
// demo is found again and printed, never re-created.
import type { Database } from '../db/index.js';

export const DEMO_EMAIL = 'demo@tollbridge.invalid';
export const DEMO_TOLL_FREE = '+18005550100';
export const DEMO_MODERATOR_PIN = '4826';
export const DEMO_PARTICIPANT_PIN = '1739';

export interface Demo {
  accountId: number;
  roomNumber: string;
  tollFree: string;
  moderatorPin: string;
  participantPin: string;
  created: boolean;
}

export async function ensureDemo(db: Database): Promise<Demo | null> {
  const existing = await db.accounts.findByEmail(DEMO_EMAIL);
  if (existing !== null) {
    const [room] = await db.rooms.forAccount(existing.id);
    if (room === undefined) return null;
    return { accountId: existing.id, roomNumber: room.number, tollFree: DEMO_TOLL_FREE, moderatorPin: DEMO_MODERATOR_PIN, participantPin: DEMO_PARTICIPANT_PIN, created: false };
  }
  // Only an empty database gets the demo: an operator's real data is never mixed with it.
  if ((await db.accounts.count()) > 0) return null;
  const { account, room } = await db.accounts.create({ name: 'Demo Owner', email: DEMO_EMAIL });
  await db.rooms.setPins(room.number, { moderator: DEMO_MODERATOR_PIN, participant: DEMO_PARTICIPANT_PIN });
  await db.numbers.add(DEMO_TOLL_FREE, 'toll_free');
  await db.numbers.subscribe(DEMO_TOLL_FREE, account.id);
  return { accountId: account.id, roomNumber: room.number, tollFree: DEMO_TOLL_FREE, moderatorPin: DEMO_MODERATOR_PIN, participantPin: DEMO_PARTICIPANT_PIN, created: true };
}
