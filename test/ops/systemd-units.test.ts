// systemd/tollbridge.service, read against the app: what it runs, how it stops and restarts.
import { expect } from 'chai';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../config/paths.js';
import { defaultDrainSeconds, repoFile, unitSettings } from './ops-files.js';

describe('systemd unit', () => {
  // Read in before(), not at load: a missing file fails these tests, not the whole run.
  let unit = new Map<string, string[]>();
  before(() => {
    unit = unitSettings(repoFile('systemd', 'tollbridge.service'));
  });
  const one = (key: string): string | undefined => unit.get(key)?.at(-1);

  it('restarts on failure but not on bad configuration, and signals only the app (the managed Asterisk keeps its calls)', () => {
    expect(one('Restart')).to.equal('on-failure');
    expect(one('KillMode')).to.equal('process');
    expect(one('RestartPreventExitStatus')?.split(/\s+/)).to.include('78');
  });

  it('stops with SIGTERM, which starts the drain, and waits longer than the drain before SIGKILL', () => {
    expect(one('KillSignal')).to.equal('SIGTERM');
    expect(repoFile('cli', 'stop-signal.ts')).to.contain("process.once('SIGTERM'");
    expect(Number(one('TimeoutStopSec'))).to.be.above(defaultDrainSeconds());
  });

  it('runs the built CLI (package.json bin) with start.sh\'s node flags, settings from an optional /etc/tollbridge/env', () => {
    const [node, ...args] = (one('ExecStart') ?? '').split(/\s+/);
    expect(node).to.match(/^\/.*\/node$/);
    const bin = (JSON.parse(repoFile('package.json')) as { bin: { tollbridge: string } }).bin.tollbridge;
    const script = args.find((a) => a.endsWith('.js'));
    expect(script).to.equal(bin);
    expect(fs.existsSync(path.join(repoRoot(), bin)), `${bin} is what npm run build writes`).to.equal(true);
    expect(args.slice(args.indexOf(bin) + 1)[0]).to.equal('start');
    const startFlags = /TOLLBRIDGE_NODE_FLAGS---([^}]+)\}/.exec(repoFile('scripts', 'start.sh'))?.[1];
    expect(args.slice(0, args.indexOf(bin))).to.deep.equal([`--${startFlags ?? ''}`]);
    expect(unit.get('EnvironmentFile')).to.deep.equal(['-/etc/tollbridge/env']);
    expect(one('WorkingDirectory')).to.match(/^\//);
  });

  it('is Type=notify with a watchdog the bridge pings (cli/start.ts), and leaves a first start time to build Asterisk\'s root', () => {
    expect(one('Type')).to.equal('notify');
    expect(one('NotifyAccess')).to.equal('all'); // systemd-notify, a child, sends for the bridge
    expect(Number(one('WatchdogSec'))).to.be.at.least(10);
    expect(Number(one('TimeoutStartSec'))).to.be.at.least(600);
    expect(repoFile('cli', 'start.ts')).to.contain('watchdog?.ready()');
  });
});
