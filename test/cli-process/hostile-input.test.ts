// The CLI against hostile input, through its real process boundary: stored strings with
// control characters are printed escaped; PINs can come from standard input (the old options
// still work, with a warning); a database another process keeps locked gives the domain error
// DatabaseBusy after a bounded wait, never SQL; a rate that would overflow the rating is refused.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';
import { loadConfig } from '../../config/config.js';
import { repoRoot } from '../../config/paths.js';
import { openDatabase, type Database } from '../../db/index.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('tollbridge CLI and hostile input (spawned process)', function () {
  this.timeout(60_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let dbFile: string;

  function tb(args: string[], stdin = '', extra: NodeJS.ProcessEnv = {}): Promise<Run> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(repoRoot(), 'dist/cli/main.js'), ...args], { env: { ...env, ...extra }, cwd: dir });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdin.end(stdin);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
  async function withDb<T>(use: (db: Database) => Promise<T>): Promise<T> {
    const config = loadConfig(env);
    const db = await openDatabase(config.database, { pinKeys: config.pinKeys, dataKey: config.dataKey });
    try {
      return await use(db);
    } finally {
      await db.close();
    }
  }

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-hostile-'));
    dbFile = path.join(dir, 'tb.sqlite');
    const { TOLLBRIDGE_SMTP_URL: _smtp, TOLLBRIDGE_PIN_SECRET: _pin, ...rest } = process.env;
    env = { ...rest, TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_DB: `sqlite:${dbFile}` };
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a stored name with terminal escapes and a newline is printed escaped, on its own line', async () => {
    // New names refuse control characters (api hostile input); one stored before that rule, or by
    // another tool, must still print safely: written here straight into the table.
    const id = await withDb(async (db) => {
      const made = (await db.accounts.create({ name: 'Eve', email: 'eve@hostile.test' })).account.id;
      await db.knex('accounts').where({ id: made }).update({ name: 'Eve\u001b[2J\u001b[1;1H\nroot: fake line\u202e' });
      return made;
    });
    const r = await tb(['accounts', 'show', String(id)]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.not.match(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/); // eslint-disable-line no-control-regex
    expect(r.stdout).to.contain('Eve\\x1b[2J\\x1b[1;1H\\nroot: fake line\\u202e');
    expect(r.stdout.split('\n').some((line) => line.startsWith('root: fake line'))).to.equal(false);
    // --json keeps the exact value (JSON escapes controls itself).
    const json = await tb(['accounts', 'show', String(id), '--json']);
    expect((JSON.parse(json.stdout) as { account: { name: string } }).account.name).to.equal('Eve\u001b[2J\u001b[1;1H\nroot: fake line\u202e');
  });

  it('rooms set-pins --pins-stdin reads both PINs from standard input; the old options still work but warn', async () => {
    const { number, id } = await withDb(async (db) => (await db.accounts.create({ name: 'Pins', email: 'pins@hostile.test' })).room);
    const r = await tb(['rooms', 'set-pins', number, '--pins-stdin'], '482913\n571046\n');
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.equal('');
    expect(await withDb((db) => db.rooms.verifyPin(id, '482913'))).to.equal('moderator');
    expect(await withDb((db) => db.rooms.verifyPin(id, '571046'))).to.equal('participant');
    const one = await tb(['rooms', 'set-pins', number, '--pins-stdin'], '482913\n');
    expect(one.code).to.equal(64);
    expect(one.stderr).to.contain('two PINs');
    const old = await tb(['rooms', 'set-pins', number, '--moderator', '739201', '--participant', '164820']);
    expect(old.code, old.stderr).to.equal(0);
    expect(old.stderr).to.contain('warning').and.contain('--pins-stdin');
    expect(await withDb((db) => db.rooms.verifyPin(id, '739201'))).to.equal('moderator');
  });

  it('while another process holds the write lock longer than the bounded wait: DatabaseBusy (exit 2), no SQL; after it lets go, the same command works', async () => {
    await tb(['numbers', 'list']); // the file exists and is migrated
    const holder = knexFactory({ client: 'sqlite3', connection: { filename: dbFile }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
    try {
      await holder.raw('BEGIN IMMEDIATE');
      const busy = await tb(['numbers', 'add', '+18005550170', '--kind', 'toll_free', '--json'], '', { TOLLBRIDGE_SQLITE_BUSY_MS: '300' });
      expect(busy.code, busy.stderr).to.equal(2);
      const error = (JSON.parse(busy.stderr.trim().split('\n').pop() ?? '{}') as { error: { code: string; message: string } }).error;
      expect(error.code).to.equal('DatabaseBusy');
      expect(error.message).to.contain('try again').and.not.match(/insert into|SQLITE_BUSY:/);
      const human = await tb(['numbers', 'add', '+18005550170', '--kind', 'toll_free'], '', { TOLLBRIDGE_SQLITE_BUSY_MS: '300' });
      expect(human.stderr).to.contain('the database is busy').and.not.match(/insert into|SQLITE_BUSY:/);
      await holder.raw('ROLLBACK');
    } finally {
      await holder.destroy();
    }
    const ok = await tb(['numbers', 'add', '+18005550170', '--kind', 'toll_free', '--json']);
    expect(ok.code, ok.stderr).to.equal(0);
  });

  it('rates set with a price that would overflow the rating exits 2 with InvalidRate saying the highest allowed', async () => {
    const r = await tb(['rates', 'set', '--kind', 'toll_free', '--per-minute', '999999999', '--json']);
    expect(r.code).to.equal(2);
    const error = (JSON.parse(r.stderr) as { error: { code: string; message: string } }).error;
    expect(error.code).to.equal('InvalidRate');
    expect(error.message).to.contain('at most 100');
  });
});
