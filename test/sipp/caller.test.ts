// The SIPp caller against a scripted UAS (no Asterisk): in-dialog requests at any point are
// answered, the RTP it plays carries the keys intact, rejections are ACKed in the INVITE's
// transaction, and the caller's own hang-up comes on time. Needs sipp and root (raw socket).
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { startCall } from '../../sipp/caller.js';
import { PT_EVENT } from '../../sipp/rtp-pcap.js';
import { waitFor } from '../support/wait.js';
import { FakeUas, type RtpSeen } from './fake-uas.js';

const KEYS = '0123456789*#ABCD';

function keysIn(rtp: RtpSeen[]): string {
  return rtp.filter((p) => p.payloadType === PT_EVENT && p.marker).map((p) => KEYS[p.payload[0] ?? 0] ?? '?').join('');
}

describe('SIPp caller against a scripted UAS @sipp', function () {
  this.timeout(30_000);
  let uas: FakeUas | undefined;

  before(function () {
    let ok = process.getuid?.() === 0;
    try {
      execFileSync('sipp', ['-v'], { stdio: 'ignore' });
    } catch (err) {
      // sipp -v exits non-zero but runs; only a missing binary throws ENOENT.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') ok = false;
    }
    if (!ok) this.skip();
  });

  afterEach(() => {
    uas?.close();
    uas = undefined;
  });

  it('answers re-INVITE, OPTIONS, INFO, NOTIFY and UPDATE mid-call, takes the far end BYE, and its RTP carries 7742# intact', async () => {
    const u = new FakeUas({ status: 200 });
    uas = u;
    const { sipPort } = await u.listen();
    const handle = startCall({
      target: { host: '127.0.0.1', port: sipPort },
      dialled: '+15550100',
      callerNumber: '+15557654321',
      steps: [{ pauseMs: 100 }, { digits: '7742#' }, { toneHz: 440, ms: 200 }],
      hangup: { by: 'far-end', maxWaitMs: 15_000 },
    });
    await handle.answered;
    const invite = await u.next((m) => m.firstLine.startsWith('INVITE '));
    expect(invite.firstLine).to.match(/^INVITE sip:\+15550100@127\.0\.0\.1:\d+ SIP\/2\.0$/);
    expect(invite.headers.get('from')).to.match(/^<sip:\+15557654321@/);
    expect(invite.headers.get('call-id')).to.equal(handle.callId);
    expect(invite.body).to.match(/m=audio \d+ RTP\/AVP 0 101/).and.to.contain('a=rtpmap:101 telephone-event/8000');
    await u.next((m) => m.firstLine.startsWith('ACK '));

    const reinvite = await u.request('INVITE', [], u.reInviteSdp());
    expect(reinvite.firstLine).to.equal('SIP/2.0 200 OK');
    expect(reinvite.body).to.contain('m=audio');
    for (const [method, extra] of [['OPTIONS', []], ['INFO', []], ['NOTIFY', ['Event: talk', 'Subscription-State: active']], ['UPDATE', []]] as const) {
      const res = await u.request(method, [...extra]);
      expect(res.firstLine, method).to.match(/^SIP\/2\.0 200 /);
    }
    await waitFor('the last key to be played', () => u.rtp.some((p) => p.payloadType === PT_EVENT && p.payload[0] === 11 && ((p.payload[1] ?? 0) & 0x80) !== 0), { timeoutMs: 5000 });
    const bye = await u.request('BYE');
    expect(bye.firstLine).to.match(/^SIP\/2\.0 200 /);

    const result = await handle.result;
    expect(result, result.log).to.include({ callId: handle.callId, finalStatus: 200, answered: true, hungUpBy: 'far-end', sippExitCode: 0 });
    expect((result.endedAt ?? 0) - (result.answeredAt ?? 0)).to.be.above(0);
    expect(keysIn(u.rtp)).to.equal('7742#');
    for (let i = 1; i < u.rtp.length; i++) {
      const [a, b] = [u.rtp[i - 1], u.rtp[i]];
      expect(b?.sequence, `packet ${i}`).to.equal(((a?.sequence ?? 0) + 1) & 0xffff);
      expect(b?.timestamp ?? 0, `packet ${i}`).to.be.at.least(a?.timestamp ?? 0);
    }
  });

  it('a 486 is ACKed in the INVITE transaction (same branch) and recorded, and the call ends cleanly', async () => {
    const u = new FakeUas({ status: 486, reason: 'Busy Here' });
    uas = u;
    const { sipPort } = await u.listen();
    const handle = startCall({ target: { host: '127.0.0.1', port: sipPort }, dialled: '18005550100', steps: [{ digits: '1' }], hangup: { by: 'far-end', maxWaitMs: 5000 } });
    const answered = await handle.answered.then(() => 'answered', (err: Error) => err.message);
    expect(answered).to.match(/not answered \(final status 486/);
    const result = await handle.result;
    expect(result, result.log).to.include({ finalStatus: 486, answered: false, hungUpBy: 'none', sippExitCode: 0 });
    const invite = await u.next((m) => m.firstLine.startsWith('INVITE '));
    const ack = await u.next((m) => m.firstLine.startsWith('ACK '));
    const branch = (v: string | undefined) => /branch=([^;\s]+)/.exec(v ?? '')?.[1];
    expect(branch(ack.headers.get('via'))).to.equal(branch(invite.headers.get('via')));
    expect(ack.headers.get('cseq')).to.equal('1 ACK');
    expect(await handle.hangUpNow()).to.equal(result);
  });

  it('hangs up by itself afterMs after the answer, even across a re-INVITE, with the dialog tags the far end gave', async () => {
    const u = new FakeUas({ status: 200 });
    uas = u;
    const { sipPort } = await u.listen();
    const handle = startCall({ target: { host: '127.0.0.1', port: sipPort }, dialled: '18005550100', steps: [{ silenceMs: 2000 }], hangup: { by: 'caller', afterMs: 1000 } });
    await handle.answered;
    const invite = await u.next((m) => m.firstLine.startsWith('INVITE '));
    await u.next((m) => m.firstLine.startsWith('ACK '));
    await new Promise((r) => setTimeout(r, 400));
    expect((await u.request('INVITE', [], u.reInviteSdp())).firstLine).to.equal('SIP/2.0 200 OK');
    const result = await handle.result;
    expect(result, result.log).to.include({ finalStatus: 200, answered: true, hungUpBy: 'caller', sippExitCode: 0 });
    expect((result.endedAt ?? 0) - (result.answeredAt ?? 0)).to.be.within(995, 1100);
    const byes = u.received.filter((m) => m.firstLine.startsWith('BYE '));
    expect(byes).to.have.length(1);
    expect(byes[0]?.headers.get('to')).to.contain(`tag=${u.tag}`);
    expect(byes[0]?.headers.get('from')).to.equal(invite.headers.get('from'));
  });

  it('rejects a bad dialled number before starting SIPp', async () => {
    const handle = startCall({ target: { host: '127.0.0.1', port: 9 }, dialled: 'no spaces', steps: [], hangup: { by: 'far-end', maxWaitMs: 1000 } });
    const err = await handle.result.then(() => null, (e: Error) => e);
    expect(err?.message).to.match(/not a SIP user part/);
    expect(await handle.answered.then(() => 'answered', () => 'rejected')).to.equal('rejected');
  });
});
