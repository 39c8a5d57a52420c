// Platform smoke tests: real SIPp calls into the real Asterisk reach a minimal Stasis app
// (raw ari-client, none of tollbridge's machines) that answers, plays a stock prompt and
// collects digits until '#'. They fail if a digit is lost or doubled, the app misses a call,
// or a channel or bridge is left behind.
import { expect } from 'chai';
import ari, { type Client } from 'ari-client';
import { placeCall, placeCalls } from '../../sipp/caller.js';
import { sharedAsterisk, testAsteriskConfig } from '../support/asterisk-fixture.js';
import { waitFor } from '../support/wait.js';

interface Seen {
  args: string[];
  callerNumber: string;
  digits: string;
}

describe('platform smoke: SIPp -> Asterisk 22 -> Stasis app @asterisk', function () {
  this.timeout(90_000);
  let client: Client;
  const seen = new Map<string, Seen>();

  before(async () => {
    await sharedAsterisk();
    const cfg = testAsteriskConfig();
    client = await ari.connect(`http://127.0.0.1:${cfg.ariPort}`, cfg.ariUser, cfg.ariPassword);
    client.on('StasisStart', (event, channel) => {
      const args = Array.isArray(event.args) ? event.args : [event.args];
      seen.set(channel.id, { args, callerNumber: channel.caller.number, digits: '' });
      void (async () => {
        await channel.answer();
        await client.channels.play({ channelId: channel.id, media: 'sound:conf-getconfno' });
      })().catch(() => undefined);
    });
    client.on('ChannelDtmfReceived', (event, channel) => {
      const call = seen.get(channel.id);
      if (call === undefined) return;
      call.digits += event.digit;
      if (event.digit === '#') void channel.hangup().catch(() => undefined);
    });
    await client.start(cfg.ariApp);
    await waitFor('the Stasis app to register', () => client.applications.get({ applicationName: cfg.ariApp }).then(() => true));
  });

  after(async () => {
    client?.stop();
  });

  beforeEach(() => seen.clear());

  afterEach(async () => {
    await waitFor('no channels or bridges left in Asterisk', async () => {
      const [channels, bridges] = await Promise.all([client.channels.list(), client.bridges.list()]);
      return channels.length === 0 && bridges.length === 0;
    });
  });

  const target = () => ({ host: '127.0.0.1', port: testAsteriskConfig().sipPort });

  it('a call to +18005550100 reaches the app with 18005550100 and delivers exactly 1133#', async () => {
    const result = await placeCall({ target: target(), dialled: '+18005550100', steps: [{ pauseMs: 300 }, { digits: '1133#' }], hangup: { by: 'far-end', maxWaitMs: 20_000 } });
    expect(result).to.include({ finalStatus: 200, answered: true, hungUpBy: 'far-end' });
    const calls = [...seen.values()];
    expect(calls).to.have.length(1);
    expect(calls[0]?.args).to.deep.equal(['18005550100']);
    expect(calls[0]?.digits).to.equal('1133#');
  });

  it('a number dialled without + arrives as dialled', async () => {
    await placeCall({ target: target(), dialled: '4930123456', steps: [{ digits: '#' }], hangup: { by: 'far-end', maxWaitMs: 20_000 } });
    expect([...seen.values()][0]?.args).to.deep.equal(['4930123456']);
  });

  it('20 concurrent calls each deliver their own digits intact (repeats and descending digits included)', async () => {
    const digits = Array.from({ length: 20 }, (_, i) => {
      const a = String(i % 10);
      const b = String(9 - (i % 10));
      return `${a}${a}${b}${b}${a}${i >= 10 ? '98765' : '0000'}#`;
    });
    expect(new Set(digits).size).to.equal(20);
    const results = await placeCalls(20, (i) => ({
      target: target(),
      dialled: '+18005550100',
      callerNumber: `+1555000${String(i).padStart(4, '0')}`,
      steps: [{ pauseMs: 300 }, { digits: digits[i] ?? '' }],
      hangup: { by: 'far-end', maxWaitMs: 30_000 },
    }));
    expect(results.filter((r) => r.answered)).to.have.length(20);
    const byCaller = new Map([...seen.values()].map((s) => [s.callerNumber, s.digits]));
    for (let i = 0; i < 20; i++) expect(byCaller.get(`+1555000${String(i).padStart(4, '0')}`), `caller ${i}`).to.equal(digits[i]);
  });
});
