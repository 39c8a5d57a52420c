// The soak bench run small, so it cannot rot, and what it exists to check: after calls through
// the app as `tollbridge start` wires it (a fake Asterisk in process: bench/fake-ari.ts), the
// app holds nothing of them: no call machine, no room, no quiet channel, no pending prompt
// or answer time. Every caller must have got into the conference. Memory figures are the
// bench's output (npm run bench:soak), not asserted here.
import { expect } from 'chai';
import path from 'node:path';
import { LocalAsterisk } from '../../asterisk/local-asterisk.js';
import { startSoakApp, type SoakApp } from '../../bench/soak-app.js';
import { SoakCallers } from '../../bench/soak-callers.js';
import { testAsteriskConfig } from '../support/asterisk-fixture.js';
import { waitFor } from '../support/wait.js';

const ROOMS = 3;
const ROOM_SIZE = 4;
const ROUNDS = 3;

describe('soak bench (npm run bench:soak), small', function () {
  this.timeout(120_000);
  let soak: SoakApp;

  before(async () => {
    // ari-client reads Asterisk's own API description: the Swagger files in the Asterisk root.
    const cfg = testAsteriskConfig();
    await new LocalAsterisk(cfg).ensureRoot();
    soak = await startSoakApp({ rooms: ROOMS, roomSize: ROOM_SIZE, quiet: false, logLevel: 'silent', apiDocsDir: path.join(cfg.root, 'usr/share/asterisk/rest-api') });
  });

  after(async () => {
    await soak?.stop();
  });

  it(`after ${ROUNDS} rounds of ${ROOMS} rooms of ${ROOM_SIZE} (moderator first and last), every caller got in and the app keeps nothing of their calls`, async () => {
    const callers = new SoakCallers(soak.ari, (id) => soak.app.router.has(id));
    for (let round = 0; round < ROUNDS; round++) await callers.round(soak.rooms, ROOM_SIZE, 0);
    expect(callers.callsPlaced).to.equal(ROUNDS * ROOMS * ROOM_SIZE);
    expect(callers.stuck.map((s) => s.message)).to.deep.equal([]);
    // Every leg closed with its role, through the journal into the database.
    await waitFor('the journal applied', () => soak.journal.backlog() === 0);
    const legs = await soak.db.ledger.legsAnsweredBetween(0, Date.now() + 1);
    expect(legs.filter((l) => l.endedAt !== null && (l.role === 'moderator' || l.role === 'participant'))).to.have.length(ROUNDS * ROOMS * ROOM_SIZE);
    const ari = soak.app.ari;
    // Not asserted: tones to a bridge destroyed mid-tone (the last caller left), which never report their end; their 30 s guard ends them.
    expect({
      calls: soak.app.router.activeCalls,
      rooms: soak.app.rooms.activeRooms,
      quietChannels: ari.subscriptions.quietCount,
      prompts: ari.playbacks.pending,
      answerTimes: ari.answers.size,
      asteriskChannels: soak.ari.liveChannels,
    }).to.deep.equal({ calls: 0, rooms: 0, quietChannels: 0, prompts: 0, answerTimes: 0, asteriskChannels: 0 });
  });
});
