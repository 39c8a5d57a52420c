// Asterisk's record of channel ends heard over AMI (CEL) is what a resync closes missed legs
// with. Ends the app also heard over ARI are kept only briefly: before, every channel stayed
// (up to 200,000), about 400 bytes a call that never came back. The CEL file's records, read
// for a resync, are not kept for the life of the process either.
import { expect } from 'chai';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AmiCallRecords, CelFileCallRecords, ENDS_HEARD_OVER_ARI_KEEP_MS } from '../../reconcile/call-records.js';
import { waitFor } from '../support/wait.js';

const noAmi = { onEvent: () => undefined };

function cel(records: AmiCallRecords, name: string, channelId: string, atMs: number): void {
  records.heard({ event: 'CEL', eventname: name, eventtime: (atMs / 1000).toFixed(6), uniqueid: channelId, channel: 'PJSIP/carrier-00000001', exten: '18005550100' });
}

describe('channel ends heard over AMI', () => {
  it('after 10,000 calls ended while ARI was up, only the last seconds\' are kept', () => {
    let now = 1_796_000_000_000;
    const records = new AmiCallRecords(noAmi, { hearsAri: () => true, now: () => now });
    for (let call = 0; call < 10_000; call++) {
      now += 100;
      for (const name of ['CHAN_START', 'ANSWER', 'HANGUP', 'CHAN_END']) cel(records, name, `edge-${call}`, now);
    }
    expect(records.size).to.be.at.most(ENDS_HEARD_OVER_ARI_KEEP_MS / 100 + 1);
  });

  it('an end heard while the ARI websocket was down is kept for the resync that asks for it', async () => {
    let now = 1_796_000_000_000;
    let ariUp = false;
    const records = new AmiCallRecords(noAmi, { hearsAri: () => ariUp, now: () => now });
    cel(records, 'HANGUP', 'edge-missed', now);
    ariUp = true;
    for (let call = 0; call < 1_000; call++) {
      now += 1_000;
      cel(records, 'HANGUP', `edge-${call}`, now);
    }
    expect(await records.endOf('edge-missed')).to.equal(1_796_000_000_000);
    expect(await records.endOf('edge-0')).to.equal(null);
    expect(await records.endOf('edge-999')).to.equal(now);
  });

  it('a channel still up keeps its record, with its end once it comes', async () => {
    let now = 1_796_000_000_000;
    const records = new AmiCallRecords(noAmi, { hearsAri: () => true, now: () => now });
    cel(records, 'ANSWER', 'edge-long', now);
    now += 3_600_000;
    cel(records, 'HANGUP', 'edge-short', now);
    cel(records, 'HANGUP', 'edge-long', now);
    expect(await records.endOf('edge-long')).to.equal(now);
  });
});

describe('channel ends in the CEL file', () => {
  it('the file\'s records are dropped from memory a while after the last lookup, and read again when asked', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-cel-'));
    const file = path.join(dir, 'cel.json');
    const line = (type: string, channelId: string, at: string) => JSON.stringify({ eventtype: type, eventtime: at, uniqueid: channelId, channame: 'PJSIP/carrier-00000001', exten: '18005550100' });
    fs.writeFileSync(file, Array.from({ length: 1_000 }, (_, i) => line('HANGUP', `edge-${i}`, `1796000000.${String(i).padStart(6, '0')}`)).join('\n') + '\n');
    try {
      const records = new CelFileCallRecords(file, 1_000);
      expect(await records.endOf('edge-7')).to.equal(1_796_000_000_000.007);
      expect(records.loaded).to.equal(true);
      await waitFor('the records dropped', () => !records.loaded, { timeoutMs: 5_000, intervalMs: 20 });
      expect(await records.endOf('edge-999')).to.be.closeTo(1_796_000_000_000.999, 0.0001);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
