// The bridge under systemd (Type=notify, WatchdogSec): what it says and when.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { ServiceWatchdog } from '../../app/supervision/service-watchdog.js';
import { systemdNotifier, watchdogIntervalMs } from '../../app/supervision/systemd-notify.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('systemd supervision: READY, the watchdog and STOPPING', () => {
  function watched(state: { ari: boolean; draining: boolean }, intervalMs: number | null = 5) {
    const sent: string[] = [];
    const bridge = { ariConnected: () => state.ari, draining: () => state.draining };
    const watchdog = new ServiceWatchdog(async (m) => { sent.push(m); }, bridge, intervalMs);
    return { sent, watchdog };
  }

  it('says READY=1, then pings while ARI is connected; no pings while ARI is down; pings again while draining', async () => {
    const state = { ari: true, draining: false };
    const { sent, watchdog } = watched(state);
    await watchdog.ready();
    expect(sent[0]).to.equal('READY=1');
    await sleep(40);
    expect(sent.filter((m) => m === 'WATCHDOG=1').length).to.be.at.least(2);
    state.ari = false;
    await sleep(10);
    const before = sent.length;
    await sleep(40);
    expect(sent.length, 'no WATCHDOG=1 while ARI is down').to.equal(before);
    state.draining = true;
    await sleep(40);
    expect(sent.length).to.be.above(before);
    watchdog.stop();
  });

  it('STOPPING=1 ends the pings', async () => {
    const { sent, watchdog } = watched({ ari: true, draining: false });
    await watchdog.ready();
    await watchdog.stopping();
    const after = sent.length;
    expect(sent.at(-1)).to.equal('STOPPING=1');
    await sleep(30);
    expect(sent.length).to.equal(after);
  });

  it('without a watchdog interval only READY=1 is said', async () => {
    const { sent, watchdog } = watched({ ari: true, draining: false }, null);
    await watchdog.ready();
    await sleep(20);
    expect(sent).to.deep.equal(['READY=1']);
  });

  it('reads the interval systemd sets (half of WATCHDOG_USEC), only for this process', () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '60000000' }, 42)).to.equal(30_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '60000000', WATCHDOG_PID: '42' }, 42)).to.equal(30_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: '60000000', WATCHDOG_PID: '7' }, 42)).to.equal(null);
    expect(watchdogIntervalMs({}, 42)).to.equal(null);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: 'soon' }, 42)).to.equal(null);
  });

  it('sends through systemd-notify naming this process, and only under systemd (NOTIFY_SOCKET)', async () => {
    const log = pino({ level: 'silent' });
    expect(systemdNotifier({}, log)).to.equal(null);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-notify-'));
    const record = path.join(dir, 'args');
    fs.writeFileSync(path.join(dir, 'systemd-notify'), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${record}\n`, { mode: 0o755 });
    const oldPath = process.env.PATH;
    process.env.PATH = `${dir}:${oldPath ?? ''}`;
    try {
      const notify = systemdNotifier({ NOTIFY_SOCKET: '/run/systemd/notify' }, log, 4242);
      expect(notify).to.not.equal(null);
      await notify?.('READY=1');
      await notify?.('WATCHDOG=1');
      expect(fs.readFileSync(record, 'utf8').trim().split('\n')).to.deep.equal(['--pid=4242 READY=1', '--pid=4242 WATCHDOG=1']);
    } finally {
      process.env.PATH = oldPath;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
