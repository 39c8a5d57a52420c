// `tollbridge api`/`start` refuse the public development PIN secret outside development mode
// (exit 78, the variable named); `tollbridge secrets rotate-pin-key` adds a key to the
// installation's secrets file. Spawned processes, real files.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../config/paths.js';
import { DEVELOPMENT_PIN_SECRET } from '../../config/config.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('secrets through the CLI (spawned process)', function () {
  this.timeout(60_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;

  function tb(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Run> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(repoRoot(), 'dist/cli/main.js'), ...args], { env: { ...env, ...extra }, cwd: dir });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdin.end('');
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-secrets-cli-'));
    const { TOLLBRIDGE_SMTP_URL: _smtp, TOLLBRIDGE_PIN_SECRET: _pin, TOLLBRIDGE_DEV_MODE: _dev, ...rest } = process.env;
    env = { ...rest, TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_DB: `sqlite:${path.join(dir, 'tb.sqlite')}`, TOLLBRIDGE_API_PORT: '0' };
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const command of ['api', 'start']) {
    it(`\`tollbridge ${command}\` with the development PIN secret and no TOLLBRIDGE_DEV_MODE exits 78 naming the variable`, async () => {
      const r = await tb([command], { TOLLBRIDGE_PIN_SECRET: DEVELOPMENT_PIN_SECRET, TOLLBRIDGE_MANAGE_ASTERISK: 'no' });
      expect(r.code, r.stderr).to.equal(78);
      expect(r.stderr).to.contain('TOLLBRIDGE_PIN_SECRET').and.contain('TOLLBRIDGE_DEV_MODE');
    });
  }

  it('rotate-pin-key adds key 2 to the 0600 secrets file and makes it current', async () => {
    const r = await tb(['secrets', 'rotate-pin-key', '--json']);
    expect(r.code, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout) as { file: string; currentPinKeyId: number; keys: number };
    expect(out).to.include({ file: path.join(dir, 'secrets.json'), currentPinKeyId: 2, keys: 2 });
    const secrets = JSON.parse(fs.readFileSync(out.file, 'utf8')) as { pinKeys: Record<string, string>; currentPinKeyId: number };
    expect(Object.keys(secrets.pinKeys)).to.deep.equal(['1', '2']);
    expect(fs.statSync(out.file).mode & 0o777).to.equal(0o600);
  });
});
