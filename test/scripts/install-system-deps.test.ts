// scripts/install-system-deps.sh installs only what the chosen setup needs: `npm start` does not
// install PostgreSQL, sox or chromium, nor debootstrap once the Asterisk root is built.
// Read through its --list mode, which installs nothing.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../config/paths.js';

function packages(args: string[], env: Record<string, string>): { code: number | null; list: string[]; stderr: string } {
  const script = path.join(repoRoot(), 'scripts', 'install-system-deps.sh');
  const r = spawnSync('bash', [script, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });
  return { code: r.status, list: r.stdout.split('\n').filter((l) => l !== ''), stderr: r.stderr };
}

describe('scripts/install-system-deps.sh: only what the setup needs', () => {
  let dir: string;
  let builtRoot: string;
  let missingRoot: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-deps-'));
    builtRoot = path.join(dir, 'built');
    fs.mkdirSync(path.join(builtRoot, 'usr/sbin'), { recursive: true });
    fs.writeFileSync(path.join(builtRoot, '.tollbridge-stamp'), 'packages=asterisk\n');
    fs.writeFileSync(path.join(builtRoot, 'usr/sbin/asterisk'), '', { mode: 0o755 });
    missingRoot = path.join(dir, 'missing');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('npm start with the Asterisk root built: SIPp only (the demo caller)', () => {
    expect(packages(['--list'], { TOLLBRIDGE_ASTERISK_ROOT: builtRoot }).list).to.deep.equal(['sip-tester']);
  });

  it('npm start before the root is built: also debootstrap; never PostgreSQL, sox or chromium', () => {
    expect(packages(['--list'], { TOLLBRIDGE_ASTERISK_ROOT: missingRoot }).list).to.deep.equal(['sip-tester', 'debootstrap']);
  });

  it('an external Asterisk (TOLLBRIDGE_MANAGE_ASTERISK=false) needs no root, so no debootstrap', () => {
    expect(packages(['--list'], { TOLLBRIDGE_ASTERISK_ROOT: missingRoot, TOLLBRIDGE_MANAGE_ASTERISK: 'false' }).list).to.deep.equal(['sip-tester']);
  });

  it('--postgres adds PostgreSQL; --tests everything the tests use', () => {
    expect(packages(['--postgres', '--list'], { TOLLBRIDGE_ASTERISK_ROOT: builtRoot }).list).to.deep.equal(['sip-tester', 'postgresql']);
    expect(packages(['--tests', '--list'], { TOLLBRIDGE_ASTERISK_ROOT: builtRoot }).list).to.deep.equal(['sip-tester', 'debootstrap', 'postgresql', 'sox', 'chromium']);
  });

  it('an unknown option is refused with the options named, exit 2', () => {
    const r = packages(['--everything'], {});
    expect(r.code).to.equal(2);
    expect(r.stderr).to.contain('unknown option --everything (--tests, --postgres, --list)');
  });
});

describe('asterisk/debootstrap-progress.sh: a first start says how far the root build is', () => {
  it('counts each stage every 25 packages, keeps every line in the log, and ends with a summary', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-progress-'));
    try {
      const lines = ['I: Retrieving InRelease', 'I: Checking Release signature'];
      for (let i = 0; i < 60; i += 1) lines.push(`I: Retrieving pkg${i} 1.0`, `I: Validating pkg${i} 1.0`);
      for (let i = 0; i < 30; i += 1) lines.push(`I: Unpacking pkg${i}...`);
      for (let i = 0; i < 30; i += 1) lines.push(`I: Configuring pkg${i}...`);
      const script = `source ${path.join(repoRoot(), 'asterisk', 'debootstrap-progress.sh')}; TMP=${dir}/root; debootstrap_progress`;
      const r = spawnSync('bash', ['-c', script], { input: `${lines.join('\n')}\n`, encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(0);
      const said = r.stdout.trim().split('\n').map((l) => l.replace(/\(\d+ s\)/, '(s)').replace(/after \d+ s/, 'after s'));
      expect(said).to.deep.equal([
        'build-root:   downloading: 25 of about 200 packages (s)',
        'build-root:   downloading: 50 of about 200 packages (s)',
        'build-root:   unpacking: 25 of about 200 packages (s)',
        'build-root:   configuring: 25 of about 200 packages (s)',
        'build-root:   debootstrap ended after s: 61 downloaded, 30 unpacked, 30 configured',
      ]);
      expect(fs.readFileSync(`${dir}/root.log`, 'utf8').split('\n').filter((l) => l !== '')).to.deep.equal(lines);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
