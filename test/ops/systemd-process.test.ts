// `tollbridge start` as systemd runs it (Type=notify, WatchdogSec): a real start with its own
// Asterisk, systemd-notify stood in for by a shim on PATH that records what it is asked to say.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SpawnedBridge } from '../support/spawned-bridge.js';
import { waitFor } from '../support/wait.js';

describe('tollbridge start under systemd: READY=1 when it takes calls, watchdog pings, STOPPING=1 on stop @asterisk', function () {
  this.timeout(180_000);
  let bridge: SpawnedBridge;
  let record: string;

  before(() => {
    const shims = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-systemd-shims-'));
    record = path.join(shims, 'said');
    fs.writeFileSync(path.join(shims, 'systemd-notify'), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${record}\n`, { mode: 0o755 });
    bridge = new SpawnedBridge({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '400000', PATH: `${shims}:${process.env.PATH ?? ''}` });
  });
  after(async () => {
    await bridge.tearDown([]);
  });

  const said = (): string[] => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').trim().split('\n') : []);

  it('says READY=1 once it has started, then WATCHDOG=1 every half interval, each for its own pid; STOPPING=1 when stopped', async () => {
    await bridge.start();
    const pid = String(bridge.pid);
    await waitFor('two watchdog pings', () => (said().filter((l) => l.endsWith('WATCHDOG=1')).length >= 2 ? true : null), { timeoutMs: 10_000, intervalMs: 100 });
    const lines = said();
    expect(lines[0]).to.equal(`--pid=${pid} READY=1`);
    expect(lines.slice(1).every((l) => l === `--pid=${pid} WATCHDOG=1`)).to.equal(true);
    expect(await bridge.stop()).to.equal(0);
    expect(said().at(-1)).to.equal(`--pid=${pid} STOPPING=1`);
  });
});
