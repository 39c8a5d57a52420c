// The bridge app for the soak bench, wired as `tollbridge start` wires it (cli/start.ts): the
// configuration from the environment, a SQLite database with migrations, the ledger behind its
// journal, rooms held in memory, PIN guessing limits, BridgeApp itself; only Asterisk is the
// in-process fake (bench/fake-ari.ts, bench/fake-ami.ts). Its own data directory is temporary.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { BridgeApp } from '../app/calls/bridge-app.js';
import { databasePorts, holdRoomsInMemory, openJournaledLedger } from '../app/calls/database-ports.js';
import { createMailer } from '../app/accounts/mailer.js';
import { databasePinGuard, guessingLimits } from '../app/calls/pin-guard.js';
import { databaseOptions } from '../cli/open-db.js';
import { loadConfig } from '../config/config.js';
import { createLogger } from '../config/logger.js';
import { openDatabase, type Database } from '../db/index.js';
import type { JournaledLedger } from '../journal/journaled-ledger.js';
import { FakeAmi } from './fake-ami.js';
import { FakeAri } from './fake-ari.js';

export const SOAK_MODERATOR_PIN = '4826';
export const SOAK_PARTICIPANT_PIN = '1739';

export interface SoakRoom {
  number: string;
  /** The toll-free number that reaches it, digits only (as the dialplan passes it). */
  dialled: string;
}

export interface SoakApp {
  app: BridgeApp;
  ari: FakeAri;
  ami: FakeAmi;
  db: Database;
  journal: JournaledLedger;
  rooms: SoakRoom[];
  stop(): Promise<void>;
}

export interface SoakAppOptions {
  rooms: number;
  /** The largest room (maxParticipants). */
  roomSize: number;
  /** Rooms with tones, count and music when alone off (as the load bench's). Default: a new room's defaults. */
  quiet: boolean;
  /** TOLLBRIDGE_LOG_LEVEL for the app; its lines go to TOLLBRIDGE_SOAK_LOG (default /dev/null: formatting them still costs). */
  logLevel: string;
  /** Asterisk's Swagger files (ari-client reads them): the Asterisk root's usr/share/asterisk/rest-api. */
  apiDocsDir: string;
}

async function seedRooms(db: Database, options: SoakAppOptions): Promise<SoakRoom[]> {
  const rooms: SoakRoom[] = [];
  for (let r = 0; r < options.rooms; r++) {
    const { account, room } = await db.accounts.create({ name: `Soak ${r}`, email: `soak${r}@example.test` });
    await db.rooms.setPins(room.number, { moderator: SOAK_MODERATOR_PIN, participant: SOAK_PARTICIPANT_PIN });
    await db.rooms.updateSettings(room.number, {
      maxParticipants: Math.max(2, options.roomSize),
      ...(options.quiet ? { announcements: { joinLeaveTones: false, announceCount: false, aloneMusic: false } } : {}),
    });
    const e164 = `+1800666${String(1000 + r).padStart(4, '0')}`;
    await db.numbers.add(e164, 'toll_free');
    await db.numbers.subscribe(e164, account.id);
    rooms.push({ number: room.number, dialled: e164.slice(1) });
  }
  return rooms;
}

export async function startSoakApp(options: SoakAppOptions): Promise<SoakApp> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-soak-'));
  const ari = await FakeAri.listen('memtest', options.apiDocsDir);
  const ami = await FakeAmi.listen();
  ari.report = ami;
  const config = loadConfig({
    ...process.env,
    TOLLBRIDGE_DATA_DIR: dataDir,
    TOLLBRIDGE_DB: `sqlite:${path.join(dataDir, 'soak.sqlite')}`,
    TOLLBRIDGE_MANAGE_ASTERISK: 'no',
    TOLLBRIDGE_ASTERISK_HOST: '127.0.0.1',
    TOLLBRIDGE_ASTERISK_INSTANCE: 'memtest',
    TOLLBRIDGE_ARI_PORT: String(ari.port),
    TOLLBRIDGE_AMI_PORT: String(ami.port),
    TOLLBRIDGE_ARI_APP: 'memtest',
    TOLLBRIDGE_LOG_LEVEL: options.logLevel,
  });
  const log = createLogger(config.logLevel, pino.destination({ dest: process.env.TOLLBRIDGE_SOAK_LOG ?? '/dev/null', sync: false }));
  const db = await openDatabase(config.database, databaseOptions(config));
  const rooms = await seedRooms(db, options);
  const journal = await openJournaledLedger(db, config.ledgerJournalDir, log, { sync: config.ledgerJournalSync });
  const ports = databasePorts(db);
  await holdRoomsInMemory(db, log);
  const app = await BridgeApp.start({
    asterisk: config.asterisk, directory: ports.directory, legRecovery: ports.legRecovery, ledger: journal, log, drainMs: 0, limits: config.limits,
    pinGuard: databasePinGuard(db, createMailer(config.mail, log), log), guessing: guessingLimits(config.pinGuessing),
    recordingsDir: config.recordingsDir, recordings: db.recordings,
  });
  await app.ami.ready(5_000);
  return {
    app, ari, ami, db, journal, rooms,
    async stop() {
      await app.stop({ drainMs: 0 });
      await journal.close();
      await db.close();
      await ari.close();
      await ami.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
