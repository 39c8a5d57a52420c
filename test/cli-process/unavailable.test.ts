// The long-running commands exit non-zero, at once and with a message that says what is missing,
// when a service they cannot work without is unavailable at start: exit 69 (EX_UNAVAILABLE), so
// a supervisor sees a failure. No Asterisk is needed: nothing listens on the ports used.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../config/paths.js';
import { freePort } from '../support/free-port.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A command that must end by itself; killed (and reported) if it hangs instead. */
function tb(args: string[], env: NodeJS.ProcessEnv, cwd: string, limitMs = 30_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(repoRoot(), 'dist/cli/main.js'), ...args], { env, cwd });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      stderr += `\n[test: still running after ${limitMs} ms: killed]`;
      child.kill('SIGKILL');
    }, limitMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('tollbridge start / api: a missing service ends the process with exit 69', function () {
  this.timeout(60_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-unavailable-'));
    const { TOLLBRIDGE_SMTP_URL: _smtp, TOLLBRIDGE_DB: _db, ...rest } = process.env;
    env = { ...rest, TOLLBRIDGE_DATA_DIR: dir, TOLLBRIDGE_API_PORT: String(await freePort()), TOLLBRIDGE_LOG_LEVEL: 'warn' };
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('start: an unreachable database exits 69, names it without its password, and starts nothing', async () => {
    const url = `postgres://tb:hunter2secret@127.0.0.1:${await freePort()}/tb`;
    const r = await tb(['start'], { ...env, TOLLBRIDGE_DB: url }, dir);
    expect(r.code, r.stderr).to.equal(69);
    expect(r.stderr).to.match(/cannot open the database postgres:\/\/tb:\*\*\*@127\.0\.0\.1:\d+\/tb: .*ECONNREFUSED/);
    expect(r.stderr).not.to.contain('hunter2secret');
    expect(r.stdout).to.equal('');
  });

  it('start: an external Asterisk whose ARI does not answer exits 69 (database closed, nothing left running)', async () => {
    const ariPort = await freePort();
    const r = await tb(['start', '--json'], { ...env, TOLLBRIDGE_MANAGE_ASTERISK: 'no', TOLLBRIDGE_ARI_PORT: String(ariPort), TOLLBRIDGE_DB: `sqlite:${path.join(dir, 'ari.sqlite')}` }, dir);
    expect(r.code, r.stderr).to.equal(69);
    const error = JSON.parse(r.stderr.trim().split('\n').at(-1) ?? '{}') as { error?: { code: string; message: string } };
    expect(error.error?.code).to.equal('ServiceUnavailable');
    expect(error.error?.message).to.contain(`cannot connect to ARI at http://127.0.0.1:${ariPort}`);
    expect(r.stdout).to.equal('');
  });

  it('api: an unreachable database exits 69', async () => {
    const r = await tb(['api'], { ...env, TOLLBRIDGE_DB: `postgres://tb@127.0.0.1:${await freePort()}/tb` }, dir);
    expect(r.code, r.stderr).to.equal(69);
    expect(r.stderr).to.contain('cannot open the database');
  });
});
