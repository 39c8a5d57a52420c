// The organization and my-data commands through the real process boundary: an organization is
// created without a room, a member joins by code, an export lists them, a deletion needs --yes
// and then the e-mail no longer finds the account; retention runs on demand; the SQLite file
// holds no plaintext e-mail address (the data key comes from TOLLBRIDGE_DATA_KEY).
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, type CliRun } from '../support/run-cli.js';


type Run = CliRun;

describe('tollbridge orgs and my-data commands (spawned CLI)', function () {
  this.timeout(30_000);
  let dir: string;
  let dbFile: string;
  let env: NodeJS.ProcessEnv;

  const tb = (args: string[], stdin = ''): Promise<Run> => runCli(args, env, stdin);
  const json = async <T>(args: string[], stdin = ''): Promise<T> => {
    const r = await tb([...args, '--json'], stdin);
    expect(r.code, `tollbridge ${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return JSON.parse(r.stdout) as T;
  };

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-orgs-cli-'));
    dbFile = path.join(dir, 'tb.sqlite');
    const { TOLLBRIDGE_SMTP_URL: _smtp, TOLLBRIDGE_DB: _db, ...rest } = process.env;
    env = { ...rest, TOLLBRIDGE_DB: `sqlite:${dbFile}`, TOLLBRIDGE_PIN_SECRET: 'x', TOLLBRIDGE_DATA_KEY: 'cli-test-data-key-0123456789abcdef', TOLLBRIDGE_LOG_LEVEL: 'warn' };
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('create an organization, join by code, export, delete with --yes, retention; no plaintext e-mail in the file', async () => {
    const org = await json<{ account: { id: number; kind: string }; joinCode: string }>(['orgs', 'create', '--name', 'Acme', '--email', 'admin@acme.example', '--password-stdin'], 'admin password 1\n');
    expect(org.account.kind).to.equal('organization');
    const member = await json<{ id: number; roomNumber: string }>(['accounts', 'create', '--name', 'Grace', '--email', 'grace@example.com']);
    const replaced = await json<{ joinCode: string }>(['orgs', 'new-code', 'admin@acme.example']);
    expect(replaced.joinCode).to.match(/^[A-Z2-9]{10}$/).and.not.equal(org.joinCode);
    expect((await tb(['orgs', 'join', 'grace@example.com', '--code', org.joinCode])).code).to.not.equal(0);
    await json(['orgs', 'join', 'grace@example.com', '--code', replaced.joinCode]);
    const shown = await json<{ members: Array<{ accountId: number; roomNumber: string }> }>(['orgs', 'show', 'admin@acme.example']);
    expect(shown.members).to.deep.include({ ...shown.members[0], accountId: member.id, roomNumber: member.roomNumber });
    const exported = await json<{ account: { email: string }; organization: { id: number } }>(['accounts', 'export', String(member.id)]);
    expect(exported).to.deep.include({ organization: { id: org.account.id, name: 'Acme' } });
    expect(exported.account.email).to.equal('grace@example.com');
    // Removing her replaces the code she knew.
    const removed = await json<{ joinCode: string }>(['orgs', 'remove', 'admin@acme.example', 'grace@example.com']);
    expect(removed.joinCode).to.match(/^[A-Z2-9]{10}$/).and.not.equal(replaced.joinCode);
    expect((await tb(['orgs', 'join', 'grace@example.com', '--code', replaced.joinCode])).code).to.not.equal(0);

    expect((await tb(['accounts', 'delete', 'grace@example.com'])).code).to.equal(64);
    await json(['accounts', 'delete', 'grace@example.com', '--yes']);
    expect((await tb(['accounts', 'show', 'grace@example.com', '--json'])).code).to.equal(2);
    expect(await json<{ retentionDays: number; erased: number }>(['privacy', 'retention', '--days', '30'])).to.include({ retentionDays: 30, erased: 0 });

    const bytes = Buffer.concat([dbFile, `${dbFile}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f))).toString('latin1');
    expect(bytes.includes('admin@acme.example'), 'plaintext e-mail in the file').to.equal(false);
    expect(bytes.includes('grace@example.com'), 'plaintext e-mail in the file').to.equal(false);
    expect(bytes.includes('Acme'), 'the file was read').to.equal(true);
  });
});
