// The load bench's rooms, in a SQLite file that `tollbridge start` then opens: one account per
// room (each with its own number, subscribed), PINs set, room large enough for its callers,
// quiet like the ConfBridge baseline's profiles.
// The ConfBridge baseline's dialplan gets the same room numbers and PINs.
import { openDatabase } from '../db/index.js';
import type { BenchRoom } from './load-plan.js';

export const MODERATOR_PIN = '4826';
export const PARTICIPANT_PIN = '1739';

export async function seedRooms(filename: string, pinSecret: string, rooms: number, callsPerRoom: number): Promise<BenchRoom[]> {
  const db = await openDatabase({ client: 'sqlite', filename }, { pinSecret });
  try {
    const seeded: BenchRoom[] = [];
    for (let r = 0; r < rooms; r++) {
      const { account, room } = await db.accounts.create({ name: `Load bench ${r}`, email: `load${r}@example.test` });
      await db.rooms.setPins(room.number, { moderator: MODERATOR_PIN, participant: PARTICIPANT_PIN });
      // Quiet rooms, as ConfBridge's profiles here (quiet = yes): no tones, count or music when alone.
      await db.rooms.updateSettings(room.number, {
        maxParticipants: Math.min(1000, Math.max(2, callsPerRoom)),
        announcements: { joinLeaveTones: false, announceCount: false, aloneMusic: false },
      });
      const dialled = `+1800555${String(1000 + r).padStart(4, '0')}`;
      await db.numbers.add(dialled, 'toll_free');
      await db.numbers.subscribe(dialled, account.id);
      seeded.push({ number: room.number, dialled, moderatorPin: MODERATOR_PIN, participantPin: PARTICIPANT_PIN });
    }
    return seeded;
  } finally {
    await db.close();
  }
}
