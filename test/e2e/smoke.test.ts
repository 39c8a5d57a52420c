// Platform smoke tests: real SIPp calls into the real Asterisk reach a minimal Stasis app
// (raw ari-client, none of tollbridge's machines) that answers, plays a stock prompt and
// collects digits until '#'. They fail if a digit is lost or doubled, the app misses a call,
// the prompt is not played, or a channel or bridge is left behind.
import { expect } from 'chai';
import ari, { type Client } from 'ari-client';
import { placeCall, placeCalls, startCall, type CallResult } from '../../sipp/caller.js';
import { sharedAsterisk, testAsteriskConfig } from '../support/asterisk-fixture.js';
import { waitFor } from '../support/wait.js';

interface Seen {
  channelId: string;
  args: string[];
  callerNumber: string;
  digits: string;
  /** Epoch ms when the app's answer request returned. */
  answeredAt: number | null;
  /** The prompt's PlaybackStarted arrived. */
  prompted: boolean;
  /** Epoch ms when the app asked to hang up (it hung up) or saw StasisEnd (the caller did). */
  endedAt: number | null;
  ended: boolean;
  errors: string[];
}

const PROMPT = 'sound:conf-getconfno';

describe('platform smoke: SIPp -> Asterisk 22 -> Stasis app @asterisk', function () {
  this.timeout(90_000);
  const cfg = testAsteriskConfig();
  const ariUrl = `http://127.0.0.1:${cfg.ariPort}`;
  const target = { host: '127.0.0.1', port: cfg.sipPort };
  let client: Client | undefined;
  const seen = new Map<string, Seen>();
  /** true: the app hangs up on '#'; false: it waits for the caller to hang up. */
  let appHangsUp = true;

  const ariGet = (p: string) =>
    fetch(`${ariUrl}/ari${p}`, { headers: { authorization: 'Basic ' + Buffer.from(`${cfg.ariUser}:${cfg.ariPassword}`).toString('base64') } });

  before(async () => {
    await sharedAsterisk();
    const c = await ari.connect(ariUrl, cfg.ariUser, cfg.ariPassword);
    client = c;
    c.on('StasisStart', (event, channel) => {
      const call: Seen = {
        channelId: channel.id,
        args: Array.isArray(event.args) ? event.args : [event.args],
        callerNumber: channel.caller.number,
        digits: '',
        answeredAt: null,
        prompted: false,
        endedAt: null,
        ended: false,
        errors: [],
      };
      seen.set(channel.id, call);
      void (async () => {
        await channel.answer();
        call.answeredAt = Date.now();
        await c.channels.play({ channelId: channel.id, media: PROMPT });
      })().catch((err: unknown) => call.errors.push(`answer/play: ${String(err)}`));
    });
    c.on('PlaybackStarted', (event) => {
      const call = seen.get(event.playback.target_uri.replace(/^channel:/, ''));
      if (call !== undefined && event.playback.media_uri === PROMPT) call.prompted = true;
    });
    c.on('ChannelDtmfReceived', (event, channel) => {
      const call = seen.get(channel.id);
      if (call === undefined) return;
      call.digits += event.digit;
      if (event.digit === '#' && appHangsUp) {
        call.endedAt = Date.now();
        channel.hangup().catch((err: unknown) => call.errors.push(`hangup: ${String(err)}`));
      }
    });
    c.on('StasisEnd', (_event, channel) => {
      const call = seen.get(channel.id);
      if (call === undefined) return;
      call.ended = true;
      call.endedAt ??= Date.now();
    });
    await c.start(cfg.ariApp);
    // Stasis() fails unless the app is registered: wait for Asterisk to list it.
    await waitFor('the Stasis app to register', async () => (await ariGet(`/applications/${cfg.ariApp}`)).ok);
    // The bridge of the test before may have left Asterisk's application of the same name alive a
    // moment, with its event filter (no PlaybackStarted): this app hears every event.
    await c.applications.filter({ applicationName: cfg.ariApp, filter: {} });
  });

  after(async () => {
    if (client === undefined) return;
    client.stop();
    // The next test file may register the same app name: let this websocket go first.
    await waitFor('the Stasis app to unregister', async () => (await ariGet(`/applications/${cfg.ariApp}`)).status === 404, { timeoutMs: 5000 }).catch(() => undefined);
  });

  beforeEach(() => {
    seen.clear();
    appHangsUp = true;
  });

  /** Polls (with a deadline) until Asterisk holds no channel and no bridge. */
  async function expectNoLeftovers(): Promise<void> {
    const c = client;
    if (c === undefined) throw new Error('no ARI client');
    await waitFor('no channels or bridges left in Asterisk', async () => {
      const [channels, bridges] = await Promise.all([c.channels.list(), c.bridges.list()]);
      return channels.length === 0 && bridges.length === 0;
    });
  }

  afterEach(expectNoLeftovers);

  /** The caller's BYE can beat the ARI events to Node: wait for the app to see the end. */
  async function ended(): Promise<Seen> {
    await waitFor('StasisEnd for every call', () => seen.size > 0 && [...seen.values()].every((c) => c.ended));
    return only();
  }

  function only(): Seen {
    const calls = [...seen.values()];
    expect(calls, 'calls seen by the Stasis app').to.have.length(1);
    const call = calls[0];
    if (call === undefined) throw new Error('unreachable');
    expect(call.errors).to.deep.equal([]);
    return call;
  }

  function expectTimesMatch(result: CallResult, call: Seen): void {
    expect(result.answeredAt, 'SIPp answer time').to.be.a('number');
    expect(result.endedAt, 'SIPp end time').to.be.a('number');
    // SIPp's clock and the app's agree within a quarter second on answer and hang-up.
    expect(Math.abs((result.answeredAt ?? 0) - (call.answeredAt ?? 0)), 'answer time, SIPp vs app').to.be.below(250);
    expect(Math.abs((result.endedAt ?? 0) - (call.endedAt ?? 0)), 'end time, SIPp vs app').to.be.below(250);
  }

  it('+18005550100 reaches the app as 18005550100, is answered and prompted, delivers exactly 1133#, and the app hangs up', async () => {
    const result = await placeCall({
      target,
      dialled: '+18005550100',
      callerNumber: '+15551230001',
      steps: [{ pauseMs: 300 }, { digits: '1133#' }],
      hangup: { by: 'far-end', maxWaitMs: 20_000 },
    });
    expect(result, result.log).to.include({ finalStatus: 200, answered: true, hungUpBy: 'far-end', sippExitCode: 0 });
    const call = await ended();
    expect(call).to.include({ callerNumber: '+15551230001', digits: '1133#', prompted: true, ended: true });
    expect(call.args).to.deep.equal(['18005550100']);
    expectTimesMatch(result, call);
    await expectNoLeftovers();
  });

  it('the caller hangs up after 3 s: digits intact, the app sees the hang-up, the call lasted 3 s', async () => {
    appHangsUp = false;
    const result = await placeCall({
      target,
      dialled: '+18005550100',
      callerNumber: '+15551230002',
      steps: [{ pauseMs: 300 }, { digits: '1133#' }],
      hangup: { by: 'caller', afterMs: 3000 },
    });
    expect(result, result.log).to.include({ finalStatus: 200, answered: true, hungUpBy: 'caller', sippExitCode: 0 });
    expect((result.endedAt ?? 0) - (result.answeredAt ?? 0)).to.be.within(2990, 3500);
    const call = await ended();
    expect(call).to.include({ digits: '1133#', prompted: true, ended: true });
    expectTimesMatch(result, call);
    await expectNoLeftovers();
  });

  it('hangUpNow() on a live call makes SIPp send BYE at once', async () => {
    appHangsUp = false;
    const handle = startCall({ target, dialled: '18005550100', callerNumber: '+15551230003', steps: [{ digits: '42#' }], hangup: { by: 'far-end', maxWaitMs: 30_000 } });
    await handle.answered;
    await waitFor('the digits to arrive', () => [...seen.values()][0]?.digits === '42#');
    const asked = Date.now();
    const result = await handle.hangUpNow();
    expect(result, result.log).to.include({ callId: handle.callId, answered: true, hungUpBy: 'caller', sippExitCode: 0 });
    expect((result.endedAt ?? 0) - asked).to.be.within(0, 500);
    await ended();
    await expectNoLeftovers();
  });

  it('a number dialled without + arrives as dialled', async () => {
    const result = await placeCall({ target, dialled: '4930123456', steps: [{ digits: '#' }], hangup: { by: 'far-end', maxWaitMs: 20_000 } });
    expect(result, result.log).to.include({ answered: true, hungUpBy: 'far-end' });
    expect(only().args).to.deep.equal(['4930123456']);
  });

  it('a rejected call (no such extension) is ACKed and ends cleanly with its status', async () => {
    const handle = startCall({ target, dialled: 'nobody', steps: [{ digits: '1#' }], hangup: { by: 'far-end', maxWaitMs: 5000 } });
    const answered = await handle.answered.then(() => true, () => false);
    const result = await handle.result;
    expect(answered).to.equal(false);
    expect(result, result.log).to.include({ finalStatus: 404, answered: false, hungUpBy: 'none', answeredAt: null, endedAt: null, sippExitCode: 0 });
    expect(seen.size).to.equal(0);
  });

  it('20 concurrent calls each deliver their own digits intact (repeats and descending digits included)', async () => {
    const fixed = ['0000#', '4242#', '98765432100#', '1111*1111#', '#'];
    const digits = Array.from({ length: 20 }, (_, i) => fixed[i] ?? `9753${i}${i % 10}${(i * 7) % 10}#`);
    expect(new Set(digits).size).to.equal(20);
    const caller = (i: number) => `+1555000${String(i).padStart(4, '0')}`;
    const started = Date.now();
    const results = await placeCalls(20, (i) => ({
      target,
      dialled: '+18005550100',
      callerNumber: caller(i),
      steps: [{ pauseMs: 300 }, { digits: digits[i] ?? '' }],
      hangup: { by: 'far-end', maxWaitMs: 30_000 },
    }));
    const tookMs = Date.now() - started;
    for (const r of results) expect(r, r.log).to.include({ finalStatus: 200, answered: true, hungUpBy: 'far-end', sippExitCode: 0 });
    expect(seen.size, 'calls seen by the Stasis app').to.equal(20);
    const byCaller = new Map([...seen.values()].map((s) => [s.callerNumber, s]));
    for (let i = 0; i < 20; i++) {
      const call = byCaller.get(caller(i));
      expect(call, `caller ${i}`).to.not.equal(undefined);
      expect(call?.digits, `caller ${i}`).to.equal(digits[i]);
      expect(call?.prompted, `caller ${i} prompted`).to.equal(true);
      expect(call?.errors, `caller ${i}`).to.deep.equal([]);
    }
    expect(tookMs, '20 calls at once').to.be.below(20_000);
    await expectNoLeftovers();
  });
});
