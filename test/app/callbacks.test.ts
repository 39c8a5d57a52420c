import { expect } from 'chai';
import { Callbacks } from '../../app/calls/callbacks.js';
import { callbackRefusal, dialBackNumber, NO_CALLBACKS, type CallbackPolicy } from '../../domain/callback.js';
import type { NumberRoute } from '../../domain/numbers.js';
import { roomInfo, silentLog } from '../support/fakes.js';

const POLICY: CallbackPolicy = { trunk: 'trunk.example:5060', denyPrefixes: ['+1900', '+44909'], blocked: ['+15550000666'], answerTimeoutMs: 30_000 };
const ROUTE: NumberRoute = { numberId: 3, e164: '+18005550100', kind: 'toll_free', accountId: 7, subscriptionId: 9 };

function desk(over: { maxWaitMs?: number; dialFails?: boolean } = {}) {
  let now = 1_000_000;
  const dialled: Array<{ id: string; number: string; callerId: string; timeoutMs: number }> = [];
  const timers: Array<{ at: number; run: () => void; cancelled: boolean }> = [];
  const callbacks = new Callbacks({
    policy: POLICY,
    maxWaitMs: over.maxWaitMs ?? 1_800_000,
    dialer: { dial: async (r) => { dialled.push(r); if (over.dialFails === true) throw new Error('refused'); } },
    directory: { findRoom: async (n) => roomInfo({ number: n }), routeFor: async (e164) => (e164 === ROUTE.e164 ? ROUTE : null) },
    log: silentLog,
    now: () => now,
    schedule: (ms, run) => {
      const t = { at: now + ms, run, cancelled: false };
      timers.push(t);
      return () => (t.cancelled = true);
    },
  });
  return {
    callbacks, dialled,
    advance: (ms: number) => {
      now += ms;
      for (const t of timers) if (!t.cancelled && t.at <= now) { t.cancelled = true; t.run(); }
    },
    now: () => now,
  };
}
const booking = (channelId: string, number: string, waitingSince: number) => ({ channelId, number, dialled: ROUTE.e164, waitingSince });

describe('call me back: the rules (domain/callback.ts)', () => {
  it('only the caller\'s own dialable number, never withheld, blocked or premium; nothing without a trunk', () => {
    expect(dialBackNumber('+15551234567')).to.equal('+15551234567');
    expect(dialBackNumber('15551234567')).to.equal('+15551234567');
    for (const n of [null, '', 'anonymous', '1234', '+0123456789', '+1555123456789012', 'sip:evil@example.com']) expect(dialBackNumber(n), String(n)).to.equal(null);
    expect(callbackRefusal('+15551234567', POLICY)).to.equal(null);
    expect(callbackRefusal('+15551234567', NO_CALLBACKS)).to.equal('off');
    expect(callbackRefusal(null, POLICY)).to.equal('withheld');
    expect(callbackRefusal('Anonymous', POLICY)).to.equal('withheld');
    expect(callbackRefusal('1234', POLICY)).to.equal('not-dialable');
    expect(callbackRefusal('+15550000666', POLICY)).to.equal('blocked');
    expect(callbackRefusal('+19005551234', POLICY)).to.equal('premium');
    expect(callbackRefusal('19005551234', POLICY)).to.equal('premium');
    expect(callbackRefusal('+449091234567', POLICY)).to.equal('premium');
  });
});

describe('call me back: the desk (app/calls/callbacks.ts)', () => {
  it('dials each booking of the room when asked, from the number the caller dialled, and an answered callback claims it once with its room and route', async () => {
    const t = desk();
    t.callbacks.book('11331134', booking('w1', '+15551230001', t.now()));
    t.callbacks.book('22222222', booking('w2', '+15551230002', t.now()));
    t.callbacks.place('11331134');
    await Promise.resolve();
    expect(t.dialled).to.have.length(1);
    expect(t.dialled[0]).to.include({ number: '+15551230001', callerId: '+18005550100', timeoutMs: 30_000 });
    const id = t.dialled[0]?.id ?? '';
    const claimed = await t.callbacks.claim(id);
    expect(claimed?.number).to.equal('+15551230001');
    expect(claimed?.route).to.deep.equal(ROUTE);
    expect(claimed?.room.number).to.equal('11331134');
    expect(await t.callbacks.claim(id), 'taken once').to.equal(null);
    expect(await t.callbacks.claim('forged'), 'an id never dialled').to.equal(null);
    expect(t.callbacks.bookedFor('22222222')).to.have.length(1);
  });

  it('one booking per number and room: a second press or a second call from the number books nothing more', () => {
    const t = desk();
    t.callbacks.book('11331134', booking('w1', '+15551230001', t.now()));
    t.callbacks.book('11331134', booking('w2', '+15551230001', t.now()));
    expect(t.callbacks.bookedFor('11331134')).to.have.length(1);
    t.callbacks.place('11331134');
    t.callbacks.book('11331134', booking('w3', '+15551230001', t.now()));
    expect(t.callbacks.bookedFor('11331134'), 'still ringing').to.have.length(0);
  });

  it('a booking past the maximum wait is not dialled; an unanswered callback is given up after the answer time and cannot be claimed', async () => {
    const t = desk({ maxWaitMs: 60_000 });
    t.callbacks.book('11331134', booking('w1', '+15551230001', t.now()));
    t.advance(61_000);
    t.callbacks.place('11331134');
    expect(t.dialled).to.deep.equal([]);
    t.callbacks.book('11331134', booking('w2', '+15551230002', t.now()));
    t.callbacks.place('11331134');
    expect(t.callbacks.ringingCount).to.equal(1);
    t.advance(45_000);
    expect(t.callbacks.ringingCount).to.equal(0);
    expect(await t.callbacks.claim(t.dialled[0]?.id ?? '')).to.equal(null);
  });

  it('a dial Asterisk refuses is given up at once', async () => {
    const t = desk({ dialFails: true });
    t.callbacks.book('11331134', booking('w1', '+15551230001', t.now()));
    t.callbacks.place('11331134');
    await new Promise((resolve) => setImmediate(resolve));
    expect(t.callbacks.ringingCount).to.equal(0);
  });
});
