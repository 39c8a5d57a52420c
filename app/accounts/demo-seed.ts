// `npm start` on an empty database seeds a demo account: a room with PINs and a subscribed
// toll-free number, so a first-time user can call in at once. The PINs are random per
// installation (a public demo PIN would open every installation's demo room) and kept, for
// printing on every start, in a file only the owner may read beside the secrets
// (`<data dir>/demo-pins.json`). On later starts the same demo is found again and printed; if
// its PINs are lost or no longer check (a new PIN key), new ones are set.
import { randomInt } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from '../../db/index.js';
import { makePrivateDir } from '../../config/private-files.js';
import { trivialPinReason } from '../../domain/pin-rules.js';

export const DEMO_EMAIL = 'demo@tollbridge.invalid';
export const DEMO_TOLL_FREE = '+18005550100';
const DEMO_PIN_DIGITS = 6;

export interface Demo {
  accountId: number;
  roomNumber: string;
  tollFree: string;
  moderatorPin: string;
  participantPin: string;
  created: boolean;
}

interface DemoPins {
  moderator: string;
  participant: string;
}

export function randomPin(digits = DEMO_PIN_DIGITS): string {
  for (;;) {
    const pin = Array.from({ length: digits }, () => String(randomInt(10))).join('');
    // The rooms' own rule: a PIN it refuses would fail the seed (1 start in about 900).
    if (trivialPinReason(pin) === null) return pin;
  }
}

export function randomDemoPins(): DemoPins {
  const moderator = randomPin();
  let participant = randomPin();
  while (participant === moderator) participant = randomPin();
  return { moderator, participant };
}

const pinsFile = (dataDir: string): string => path.join(dataDir, 'demo-pins.json');

function readPins(dataDir: string): DemoPins | null {
  try {
    const raw = JSON.parse(fs.readFileSync(pinsFile(dataDir), 'utf8')) as Partial<DemoPins>;
    return typeof raw.moderator === 'string' && typeof raw.participant === 'string' ? { moderator: raw.moderator, participant: raw.participant } : null;
  } catch {
    return null;
  }
}

function writePins(dataDir: string, pins: DemoPins): void {
  makePrivateDir(dataDir);
  const file = pinsFile(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(pins) + '\n', { mode: 0o600 });
  fs.renameSync(tmp, file);
}

async function pinsWork(db: Database, roomNumber: string, pins: DemoPins | null): Promise<boolean> {
  if (pins === null) return false;
  const room = await db.rooms.findByNumber(roomNumber);
  return room !== null && (await db.rooms.verifyPin(room.id, pins.moderator)) === 'moderator' && (await db.rooms.verifyPin(room.id, pins.participant)) === 'participant';
}

export async function ensureDemo(db: Database, dataDir: string): Promise<Demo | null> {
  const existing = await db.accounts.findByEmail(DEMO_EMAIL);
  if (existing !== null) {
    const [room] = await db.rooms.forAccount(existing.id);
    if (room === undefined) return null;
    let pins = readPins(dataDir);
    if (pins === null || !(await pinsWork(db, room.number, pins))) {
      pins = randomDemoPins();
      await db.rooms.setPins(room.number, pins);
      writePins(dataDir, pins);
    }
    return { accountId: existing.id, roomNumber: room.number, tollFree: DEMO_TOLL_FREE, moderatorPin: pins.moderator, participantPin: pins.participant, created: false };
  }
  // Only an empty database gets the demo: an operator's real data is never mixed with it.
  if ((await db.accounts.count()) > 0) return null;
  const pins = randomDemoPins();
  const { account, room } = await db.accounts.create({ name: 'Demo Owner', email: DEMO_EMAIL });
  await db.rooms.setPins(room.number, pins);
  writePins(dataDir, pins);
  await db.numbers.add(DEMO_TOLL_FREE, 'toll_free');
  await db.numbers.subscribe(DEMO_TOLL_FREE, account.id);
  return { accountId: account.id, roomNumber: room.number, tollFree: DEMO_TOLL_FREE, moderatorPin: pins.moderator, participantPin: pins.participant, created: true };
}
