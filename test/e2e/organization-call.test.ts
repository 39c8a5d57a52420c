// An organization's toll-free number into a member's own room, over real SIP: the member's
// call is admitted with their room's PIN and metered to the organization (its statement has a
// line for the member); the administrator has no room, so no digits can bring a caller in as
// it; once the member has left, the organization's number no longer reaches the room.
import { expect } from 'chai';
import { periodOf } from '../../domain/billing.js';
import { placeCall, type Step } from '../../sipp/caller.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import { BridgeUnderTest } from '../support/bridge-fixture.js';

const ORG_NUMBER = '+18005557301';

describe('organization calls over real SIP @asterisk', function () {
  this.timeout(120_000);
  let bridge: BridgeUnderTest;

  before(async () => {
    bridge = await BridgeUnderTest.start();
  });
  after(async () => {
    await bridge?.stop();
  });

  it("a member's call on the organization's number enters their room and is on the organization's statement; after leaving it is refused", async () => {
    const db = bridge.db;
    const org = await db.organizations.create({ name: 'Acme SIP', email: 'admin@acme-sip.example', password: 'correct horse battery' });
    await db.numbers.add(ORG_NUMBER, 'toll_free');
    await db.numbers.subscribe(ORG_NUMBER, org.account.id);
    const { account, room } = await db.accounts.create({ name: 'Member', email: 'member@acme-sip.example', password: 'correct horse battery' });
    await db.rooms.setPins(room.number, { moderator: '4826', participant: '1739' });
    await db.organizations.joinByCode(account.id, org.joinCode);
    expect(await db.rooms.forAccount(org.account.id), 'the administrator has no room').to.deep.equal([]);

    const target = { host: '127.0.0.1', port: testAsteriskConfig().sipPort };
    const enter: Step[] = [{ pauseMs: 300 }, { digits: `${room.number}#` }, { pauseMs: 300 }, { digits: '4826#' }];
    const call = await placeCall({ target, dialled: ORG_NUMBER, steps: enter, hangup: { by: 'caller', afterMs: 6000 } });
    expect(call).to.include({ answered: true, hungUpBy: 'caller' });
    await bridge.waitForNothingLeft();

    const legs = await db.ledger.legsFor(org.account.id);
    expect(legs).to.have.length(1);
    expect(legs[0]).to.include({ accountId: org.account.id, roomId: room.id, role: 'moderator', dialled: ORG_NUMBER, amountMicros: 20_000 });
    expect(await db.ledger.legsFor(account.id), 'nothing billed to the member').to.deep.equal([]);
    const statement = await db.statements.build(org.account.id, periodOf(Date.now()));
    expect(statement.members).to.deep.equal([{ accountId: account.id, roomNumber: room.number, legs: 1, billableSeconds: 60, unroundedMicros: 20_000, amountMicros: 20_000, amount: '0.02' }]);
    // The member's export has the leg, with its caller number.
    const exported = await db.personalData.exportAccount(account.id);
    expect(exported.legs.map((l) => l.id)).to.deep.equal([legs[0]?.id]);

    // Left: the organization's number no longer reaches the room (same digits: never admitted).
    await db.organizations.leave(account.id);
    const refused = await placeCall({ target, dialled: ORG_NUMBER, steps: enter, hangup: { by: 'caller', afterMs: 6000 } });
    expect(refused.answered).to.equal(true);
    await bridge.waitForNothingLeft();
    const after = await db.ledger.legsFor(org.account.id);
    expect(after).to.have.length(2);
    expect(after[1]).to.include({ roomId: null, role: 'unauthenticated' });
  });
});
