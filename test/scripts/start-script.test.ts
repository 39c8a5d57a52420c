// `npm start` runs scripts/start.sh: the README's first line must work as it is written, as root
// and as a user with sudo, and say how to get root when sudo is missing. Run as root (the user
// switches need it); a user's sudo is stood in for by a recording shim on PATH, so the test
// neither needs sudo installed nor escalates for real.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../config/paths.js';
import { START_NODE_FLAGS } from '../../bench/load-side-tollbridge.js';

const SCRIPT = () => path.join(repoRoot(), 'scripts/start.sh');
const USER = 'nobody';

/** start.sh in a checkout-shaped directory the other user can read (a CI clone may not be). */
function readableCopy(dir: string): string {
  const scripts = path.join(dir, 'checkout', 'scripts');
  fs.mkdirSync(scripts, { recursive: true, mode: 0o755 });
  fs.chmodSync(path.join(dir, 'checkout'), 0o755);
  fs.copyFileSync(SCRIPT(), path.join(scripts, 'start.sh'));
  fs.chmodSync(path.join(scripts, 'start.sh'), 0o644);
  return path.join(scripts, 'start.sh');
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A directory of symlinks to just these commands: a PATH on which `sudo` cannot be found. */
function pathWith(dir: string, commands: string[]): string {
  for (const c of commands) {
    const found = run('bash', ['-c', `command -v ${c}`], process.env).stdout.trim();
    fs.symlinkSync(found, path.join(dir, c));
  }
  return dir;
}

describe('scripts/start.sh (npm start): root, a user with sudo, a user without', function () {
  this.timeout(90_000);
  let dir: string;

  before(function () {
    if (process.getuid?.() !== 0) this.skip(); // switching to another user needs root
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-start-script-'));
    fs.chmodSync(dir, 0o777);
  });
  after(() => {
    if (dir !== undefined) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('as root: installs nothing that is present and runs the bridge directly (here: start --help), stdout left to the bridge', () => {
    const r = run('bash', [SCRIPT(), '--help'], process.env);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^Usage: tollbridge start/);
    expect(r.stderr).to.contain('install-system-deps:');
    expect(r.stderr).not.to.contain('sudo');
    // each step said before it runs (a first start is minutes of work)
    expect(r.stderr).to.match(/\[1\/2\] Debian packages[^]*install-system-deps:[^]*\[2\/2\] starting the bridge/);
  });

  /** start.sh run by a user whose sudo is a shim that records its arguments; the lines it recorded. */
  function startWithSudoShim(extraEnv: Record<string, string> = {}): { lines: string[]; shims: string; stderr: string } {
    const shims = fs.mkdtempSync(path.join(dir, 'shim-'));
    fs.chmodSync(shims, 0o777);
    const record = path.join(shims, 'sudo.log');
    fs.writeFileSync(path.join(shims, 'sudo'), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${record}\n`, { mode: 0o755 });
    fs.symlinkSync(process.execPath, path.join(shims, 'node')); // found first on PATH: its path is what sudo must get
    const env = { PATH: `${shims}:${process.env.PATH ?? ''}`, TOLLBRIDGE_SIP_PORT: '12190', TOLLBRIDGE_DRAIN_SECONDS: '5', HOME: '/tmp', ...extraEnv };
    const r = run('/usr/sbin/runuser', ['-u', USER, '--', 'env', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'bash', readableCopy(dir), '--no-demo'], {});
    expect(r.code, r.stderr).to.equal(0);
    return { lines: fs.readFileSync(record, 'utf8').trim().split('\n'), shims, stderr: r.stderr };
  }

  it('as a user with sudo: both steps go through sudo, with the TOLLBRIDGE_* settings handed over and node by its path, with its small young generation', () => {
    const { lines, shims, stderr } = startWithSudoShim();
    expect(stderr).to.contain('using sudo');
    expect(lines[0]).to.equal('bash scripts/install-system-deps.sh');
    expect(lines[1]).to.match(new RegExp(`^env (TOLLBRIDGE_\\S+ )*TOLLBRIDGE_DRAIN_SECONDS=5 (TOLLBRIDGE_\\S+ )*TOLLBRIDGE_SIP_PORT=12190 (TOLLBRIDGE_\\S+ )*${shims}/node --max-semi-space-size=1 dist/cli/main.js start --no-demo$`));
  });

  it('the load bench runs the app with the flags npm start uses', () => {
    const script = fs.readFileSync(path.join(repoRoot(), 'scripts', 'start.sh'), 'utf8');
    expect(script).to.contain(`\${TOLLBRIDGE_NODE_FLAGS-${START_NODE_FLAGS}}`);
  });

  it('TOLLBRIDGE_NODE_FLAGS replaces the node flags; empty, node runs with its defaults', () => {
    const custom = startWithSudoShim({ TOLLBRIDGE_NODE_FLAGS: '--max-semi-space-size=4 --max-old-space-size=512' });
    expect(custom.lines[1]).to.match(new RegExp(`${custom.shims}/node --max-semi-space-size=4 --max-old-space-size=512 dist/cli/main.js start --no-demo$`));
    const none = startWithSudoShim({ TOLLBRIDGE_NODE_FLAGS: '' });
    expect(none.lines[1]).to.match(new RegExp(`${none.shims}/node dist/cli/main.js start --no-demo$`));
  });

  it('as a user without sudo: a clear message that says how to get root, exit 1, nothing run', () => {
    const bin = fs.mkdtempSync(path.join(dir, 'bin-'));
    fs.chmodSync(bin, 0o755);
    pathWith(bin, ['bash', 'id', 'dirname', 'grep', 'env']);
    const r = run('/usr/sbin/runuser', ['-u', USER, '--', '/usr/bin/env', `PATH=${bin}`, 'bash', readableCopy(dir), '--help'], {});
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr).to.contain('sudo is not installed');
    expect(r.stderr).to.contain('Run the same command as root');
    expect(r.stderr).to.contain(`adduser ${USER} sudo`);
  });
});
