// What AMI says of who asked for a hang-up is kept only as long as it can be asked for: most
// records are never taken (ARI reported the request too, or AMI's copy came after StasisEnd),
// and before they stayed until 10,000 calls' worth had piled up.
import { expect } from 'chai';
import { HANGUP_REQUEST_KEEP_MS, HangupRequests } from '../../bridge/hangup-requests.js';

const noAmi = { onEvent: () => undefined };

describe('hang-up requests heard over AMI', () => {
  it('after 10,000 calls whose requests were never taken, only those of the last minute are kept', () => {
    let now = 1_000_000;
    const requests = new HangupRequests(noAmi, () => now);
    for (let call = 0; call < 10_000; call++) {
      now += 20; // 50 calls a second: 200 s in all
      requests.heard(`edge-${call}`, { soft: false, cause: 16 });
    }
    expect(requests.size).to.be.at.most(HANGUP_REQUEST_KEEP_MS / 20 + 1);
  });

  it('a quiet member\'s end still takes the request heard just before it, and only once', async () => {
    let now = 0;
    const requests = new HangupRequests(noAmi, () => now);
    requests.heard('edge-1', { soft: true, cause: 32 });
    now += 1_000;
    requests.heard('edge-2', { soft: false, cause: 16 });
    expect(await requests.take('edge-1', 0)).to.deep.equal({ soft: true, cause: 32 });
    expect(await requests.take('edge-1', 0)).to.equal(null);
    expect(requests.size).to.equal(1);
  });
});
