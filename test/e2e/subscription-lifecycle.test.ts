// Subscribing and unsubscribing seen from real calls: the API changes what the bridge answers
// at once, a live call outlives its number's unsubscription and is billed to its end, a new
// call is refused, and the statement and the confirmation e-mail show both legs.
import { expect } from 'chai';
import { pino } from 'pino';
import { createMailer } from '../../app/accounts/mailer.js';
import type { ApiServer } from '../../api/server.js';
import { startSite } from '../../web/site.js';
import { periodOf } from '../../domain/billing.js';
import { placeCall, startCall, type Step } from '../../sipp/caller.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest } from '../support/bridge-fixture.js';
import { SmtpSink } from '../support/smtp-sink.js';
import { waitFor } from '../support/wait.js';

const OPERATOR = 'operator-token-for-tests-0123456789';
const NUMBER = '+18005557001';

describe('subscription lifecycle over real SIP @asterisk', function () {
  this.timeout(120_000);
  let bridge: BridgeUnderTest;
  let api: ApiServer;
  let smtp: SmtpSink;

  before(async () => {
    bridge = await BridgeUnderTest.start();
    smtp = await SmtpSink.start();
    const log = pino({ level: 'silent' });
    api = await startSite({ db: bridge.db, mailer: createMailer({ smtpUrl: smtp.url, from: 'billing@tollbridge.test' }, log), log, operatorToken: OPERATOR }, '127.0.0.1', 0);
  });
  after(async () => {
    await api?.close();
    await smtp?.close();
    await bridge?.stop();
  });

  async function http(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(api.url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  }

  it('subscribe answers at once; unsubscribing lets the live call finish and be billed, refuses new calls, and mails the figures', async () => {
    const created = await http('POST', '/v1/operator/accounts', OPERATOR, { name: 'Lifecycle', email: 'lifecycle@example.test', password: 'correct horse battery' });
    const accountId = (created.json.account as { id: number }).id;
    const roomNumber = (created.json.room as { number: string }).number;
    const token = (await http('POST', '/v1/sessions', '', { email: 'lifecycle@example.test', password: 'correct horse battery' })).json.token as string;
    await http('POST', '/v1/operator/numbers', OPERATOR, { e164: NUMBER, kind: 'toll_free' });
    await http('PUT', `/v1/accounts/${accountId}/room/pins`, token, { moderator: '4826', participant: '1739' });
    const target = { host: '127.0.0.1', port: testAsteriskConfig().sipPort };
    const enter: Step[] = [{ pauseMs: 300 }, { digits: `${roomNumber}#` }, { pauseMs: 300 }, { digits: '4826#' }];

    // Not yet subscribed: refused.
    expect((await placeCall({ target, dialled: NUMBER, steps: [], hangup: { by: 'far-end', maxWaitMs: 10_000 } })).finalStatus).to.equal(404);

    expect((await http('POST', `/v1/accounts/${accountId}/subscriptions`, token, { e164: NUMBER })).status).to.equal(201);
    const first = await placeCall({ target, dialled: NUMBER, steps: enter, hangup: { by: 'caller', afterMs: 5000 } });
    expect(first).to.include({ answered: true, hungUpBy: 'caller' });

    const live = startCall({ target, dialled: NUMBER, steps: enter, hangup: { by: 'far-end', maxWaitMs: 60_000 } });
    await bridge.waitForLive(roomNumber, 1);
    const gone = await http('DELETE', `/v1/accounts/${accountId}/subscriptions/${encodeURIComponent(NUMBER)}`, token);
    expect(gone.status).to.equal(200);
    expect(gone.json.usage).to.include({ legs: 2, openLegs: 1 });

    // A new call is refused before answer; the live one is still in the conference.
    const refused = await placeCall({ target, dialled: NUMBER, steps: [], hangup: { by: 'far-end', maxWaitMs: 10_000 } });
    expect(refused).to.include({ finalStatus: 404, answered: false });
    expect(await bridge.liveMembers(roomNumber)).to.have.length(1);
    await new Promise((r) => setTimeout(r, 2000)); // the live call keeps going after the unsubscription
    const second = await live.hangUpNow();
    expect(second.hungUpBy).to.equal('caller');
    await bridge.waitForNothingLeft();

    const legs = await bridge.db.ledger.legsFor(accountId, {});
    expect(legs).to.have.length(2);
    for (const leg of legs) expect(leg).to.include({ role: 'moderator', dialled: NUMBER, amountMicros: 20_000 });
    // The second leg ended after the unsubscription: billed to its real end.
    expect(legs[1]?.endedAt).to.be.greaterThan(Number((gone.json.subscription as { endedAt: number }).endedAt));

    const statement = await http('GET', `/v1/accounts/${accountId}/statements/${periodOf(Date.now())}`, token);
    const lines = statement.json.lines as Array<{ e164: string; legs: number; amountMicros: number }>;
    expect(lines.find((l) => l.e164 === NUMBER)).to.include({ legs: 2, amountMicros: 40_000 });

    const mail = await waitFor('the confirmation e-mail', () => smtp.received.find((m) => m.to.includes('lifecycle@example.test')));
    expect(mail.raw).to.contain(NUMBER).and.to.contain('legs: 2 (1 still in progress');
  });
});
