// `tollbridge pins list | clear` through the real process boundary: a caller locked by wrong PINs
// is listed by the keyed hash of its number (never the number), cleared by typing the number,
// and the audit log keeps the number masked. The failures are recorded in-process on the same
// SQLite file with the same data key, as the bridge records them.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type AuditEntry } from '../../db/index.js';
import type { PinCounter, RoomPinLock } from '../../domain/pin-locks.js';
import { runCli, type CliRun } from '../support/run-cli.js';

const DATA_KEY = 'pins-cli-test-data-key-0123456789abcdef';
const CALLER = '+15550004321';

type Run = CliRun;

describe('tollbridge pins list and clear (spawned CLI)', function () {
  this.timeout(90_000);
  let dir: string;
  let dbFile: string;
  let env: NodeJS.ProcessEnv;

  const tb = (args: string[]): Promise<Run> => runCli(args, env);
  const json = async <T>(args: string[]): Promise<T> => {
    const r = await tb([...args, '--json']);
    expect(r.code, `tollbridge ${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return JSON.parse(r.stdout) as T;
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-pins-cli-'));
    dbFile = path.join(dir, 'tb.sqlite');
    const { TOLLBRIDGE_SMTP_URL: _smtp, TOLLBRIDGE_DB: _db, ...rest } = process.env;
    env = { ...rest, TOLLBRIDGE_DB: `sqlite:${dbFile}`, TOLLBRIDGE_PIN_SECRET: 'x', TOLLBRIDGE_DATA_KEY: DATA_KEY, TOLLBRIDGE_LOG_LEVEL: 'warn' };
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('lists a locked caller by hash and a locked room by number; clears them by number and by room; the audit log masks the number', async () => {
    const owner = await json<{ roomNumber: string }>(['accounts', 'create', '--name', 'Pins', '--email', 'pins@example.com']);
    const db = await openDatabase({ client: 'sqlite', filename: dbFile }, { pinSecret: 'x', dataKey: DATA_KEY });
    try {
      const roomId = (await db.rooms.get(owner.roomNumber)).id;
      for (let i = 0; i < 10; i++) await db.pinFailures.recordFailure({ roomId, callerNumber: CALLER, kinds: ['participant'] });
    } finally {
      await db.close();
    }

    const locks = await json<PinCounter[]>(['pins', 'list']);
    expect(locks.map((l) => `${l.scope}:${l.kind}`).sort()).to.deep.equal(['caller:any', 'room:participant']);
    const caller = locks.find((l) => l.scope === 'caller');
    expect(caller?.caller).to.match(/^h1:[A-Za-z0-9_-]{43}$/);
    expect(locks.find((l) => l.scope === 'room')?.roomNumber).to.equal(owner.roomNumber);
    const human = await tb(['pins', 'list']);
    expect(human.stdout).to.contain(`caller with number hash ${caller?.caller ?? '?'} (keyed hash; the number is not stored): LOCKED until`);
    expect(human.stdout).to.contain(`room ${owner.roomNumber}, participant PIN: LOCKED until`);
    expect(human.stdout + JSON.stringify(locks)).not.to.contain('5550004321');

    expect((await tb(['pins', 'clear'])).code).to.equal(64);
    expect((await tb(['pins', 'clear', owner.roomNumber, '--caller', CALLER])).code).to.equal(64);
    expect((await tb(['pins', 'clear', '--caller-hash', 'h1:short'])).code).to.equal(64);
    expect(await json<{ cleared: number }>(['pins', 'clear', '--caller', '+15550009999'])).to.deep.equal({ cleared: 0 });
    expect(await json<{ cleared: number }>(['pins', 'clear', '--caller', CALLER])).to.deep.equal({ cleared: 1 });
    expect((await json<PinCounter[]>(['pins', 'list'])).map((l) => l.scope)).to.deep.equal(['room']);
    expect(await json<{ cleared: number }>(['pins', 'clear', owner.roomNumber])).to.deep.equal({ cleared: 1 });
    expect((await tb(['pins', 'list'])).stdout.trim()).to.equal('no PIN locks in force');

    const audit = await json<AuditEntry[]>(['audit']);
    const clears = audit.filter((e) => e.action === 'tollbridge pins clear').map((e) => e.target);
    expect(clears).to.deep.equal(['--caller …99', '--caller …21', owner.roomNumber]);
    expect(JSON.stringify(audit)).not.to.contain('5550004321');
  });

  it('pins show and pins lift: a room\'s lock as its owner sees it, lifted as the owner would (wrong PINs kept), audited', async () => {
    const owner = await json<{ roomNumber: string }>(['accounts', 'create', '--name', 'Lift', '--email', 'lift@example.com']);
    const db = await openDatabase({ client: 'sqlite', filename: dbFile }, { pinSecret: 'x', dataKey: DATA_KEY });
    try {
      const roomId = (await db.rooms.get(owner.roomNumber)).id;
      for (let i = 0; i < 10; i++) await db.pinFailures.recordFailure({ roomId, callerNumber: `+1555000${String(i).padStart(4, '0')}`, kinds: ['moderator'] });
    } finally {
      await db.close();
    }
    const shown = await tb(['pins', 'show', owner.roomNumber]);
    expect(shown.code, shown.stderr).to.equal(0);
    expect(shown.stdout).to.match(/moderator PIN: LOCKED since \S+Z until \S+Z after 10 wrong PINs/);
    expect(shown.stdout).to.contain('participant PIN: not locked, no wrong PINs');
    const locks = await json<Record<'moderator' | 'participant', RoomPinLock>>(['pins', 'show', owner.roomNumber]);
    expect(locks.moderator).to.deep.include({ locked: true, failures: 10 });

    expect((await tb(['pins', 'lift', owner.roomNumber, '--kind', 'owner'])).code).to.equal(64);
    expect((await tb(['pins', 'lift'])).code).to.equal(64);
    expect(await json<{ lifted: string[] }>(['pins', 'lift', owner.roomNumber, '--kind', 'participant'])).to.deep.include({ lifted: [] });
    expect(await json<{ lifted: string[] }>(['pins', 'lift', owner.roomNumber])).to.deep.include({ lifted: ['moderator'] });
    const after = await tb(['pins', 'show', owner.roomNumber]);
    expect(after.stdout).to.match(/moderator PIN: lock lifted \S+Z; 10 wrong PINs still counted: one more before \S+Z locks it again/);
    const audit = await json<AuditEntry[]>(['audit']);
    expect(audit.filter((e) => e.action === 'tollbridge pins lift').map((e) => e.target)).to.deep.equal([`${owner.roomNumber} --kind participant`, owner.roomNumber]);
  });
});
