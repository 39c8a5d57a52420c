// Asterisk's record of channel ends heard over AMI (CEL) is what a resync closes missed legs
// with. Ends the app also heard over ARI are kept only briefly: before, every channel stayed
// (up to 200,000), about 400 bytes a call that never came back.
import { expect } from 'chai';
import { AmiCallRecords, ENDS_HEARD_OVER_ARI_KEEP_MS } from '../../reconcile/call-records.js';

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
