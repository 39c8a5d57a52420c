// Two bridge processes on one database (issue 23 item 9, issue 21 item 5), over real SIP: each
// `tollbridge start` runs its own Asterisk instance (its own systemname, ports) and both share
// one SQLite file (test/support/spawned-bridge.ts).
//  1. A second `tollbridge start` with a systemname already running refuses: exit 75, naming
//     the systemname and the process that holds it; the running one is untouched.
//  2. Each process has a live call; kill -9 one and start it again at once: the other's leg is
//     still open, and once both calls hang up each leg's seconds match SIPp's to 1 s.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect } from 'chai';
import { SYSTEM_NAME_TAKEN_EXIT } from '../../app/calls/system-lease.js';
import { repoRoot } from '../../config/paths.js';
import type { LedgerEntry } from '../../db/index.js';
import { startCall, type CallHandle, type CallResult } from '../../sipp/caller.js';
import { instanceEnv, processAlive, SpawnedBridge, type SpawnedRoom } from '../support/spawned-bridge.js';
import { waitFor } from '../support/wait.js';

describe('two bridge processes on one database @asterisk', function () {
  this.timeout(180_000);
  const first = new SpawnedBridge();
  const second = new SpawnedBridge({
    // One database, so one data key and PIN keys: the same secrets file.
    TOLLBRIDGE_DB: first.env.TOLLBRIDGE_DB,
    TOLLBRIDGE_SECRETS_FILE: first.config.secretsFile,
    ...instanceEnv('FAULT2', { instance: 'faulttest2', sip: '16260', ari: '18388', ami: '16238', rtpStart: '46000', rtpEnd: '46999', app: 'tollbridge-fault2' }),
  });
  let roomA: SpawnedRoom;
  let roomB: SpawnedRoom;
  const handles: CallHandle[] = [];

  const call = (bridge: SpawnedBridge, room: SpawnedRoom, callerNumber: string): CallHandle => {
    const handle = startCall({
      target: { host: '127.0.0.1', port: bridge.config.asterisk.sipPort },
      dialled: room.tollFree,
      callerNumber,
      steps: [{ pauseMs: 300 }, { digits: `${room.roomNumber}#` }, { pauseMs: 300 }, { digits: `${room.moderatorPin}#` }],
      hangup: { by: 'far-end', maxWaitMs: 120_000 },
    });
    handles.push(handle);
    return handle;
  };
  const legOf = (callerNumber: string, room: SpawnedRoom): Promise<LedgerEntry | undefined> =>
    first.withDb(async (db) => (await db.ledger.legsFor(room.accountId)).find((l) => l.callerNumber === callerNumber));

  before(async () => {
    // Both rooms in the one database (the numbers route to whichever Asterisk the call reaches).
    roomA = await first.seedRoom('end');
    roomB = await first.seedRoom('end');
    await Promise.all([first.start(), second.start()]);
  });

  after(async () => {
    for (const h of handles) void h.hangUpNow().catch(() => undefined);
    await Promise.all([first.stop(), second.stop()]);
    first.killAsterisk();
    second.killAsterisk();
    if (process.env.TOLLBRIDGE_KEEP_FAULT_LOG !== undefined) console.log(first.log, second.log);
  });

  it('a second start with a systemname already running exits 75 naming the systemname and its holder; the first runs on', async () => {
    const child = spawn(process.execPath, [path.join(repoRoot(), 'dist/cli/main.js'), 'start', '--json', '--no-demo'], { env: first.env, cwd: first.dir });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, stderr.slice(-2000)).to.equal(SYSTEM_NAME_TAKEN_EXIT);
    const error = stderr.split('\n').map((line) => line.trim()).find((line) => line.startsWith('{"error"'));
    expect(error, stderr.slice(-2000)).to.not.equal(undefined);
    const { message, code: errorCode } = (JSON.parse(error ?? '{}') as { error: { code: string; message: string } }).error;
    expect(errorCode).to.equal('SystemNameTaken');
    expect(message).to.include(`systemname ${first.config.asterisk.systemName} is in use`).and.include(`process ${first.pid ?? 0} on host`).and.include('TOLLBRIDGE_ASTERISK_SYSTEMNAME');
    expect(first.pid !== undefined && processAlive(first.pid), 'the first process still runs').to.equal(true);
  });

  it("kill -9 and restart of one process leaves the other's live leg open; each leg then matches its SIPp call to 1 s", async () => {
    const callerA = '+15550700001';
    const callerB = '+15550700002';
    const a = call(first, roomA, callerA);
    const b = call(second, roomB, callerB);
    // ARI is read from one Asterisk only: ari-client's connections in one process share their credentials.
    await first.waitForMembers(roomA.roomNumber, 'live', 1);
    await waitFor('both legs open', async () => (await legOf(callerA, roomA))?.role === 'moderator' && (await legOf(callerB, roomB))?.role === 'moderator', { timeoutMs: 15_000, intervalMs: 100 });

    await first.kill9();
    await first.start();
    // The restarted process left the other process's leg alone and resumed its own call.
    expect((await legOf(callerB, roomB))?.endedAt, "the other process's leg").to.equal(null);
    expect((await legOf(callerA, roomA))?.endedAt, "the restarted process's own leg").to.equal(null);
    expect(await first.members(roomA.roomNumber, 'live')).to.have.length(1);
    expect(first.log).to.include('attached to the running Asterisk');
    expect(first.log).to.include('held by a process of this host that has ended: taking it over');

    const results = await Promise.all([a.hangUpNow(), b.hangUpNow()]);
    const legs = await waitFor('both legs closed', async () => {
      const both = [await legOf(callerA, roomA), await legOf(callerB, roomB)];
      return both.every((l) => l?.endedAt !== null && l?.endedAt !== undefined) ? both : null;
    }, { timeoutMs: 15_000, intervalMs: 100 });
    legs.forEach((leg, i) => {
      const r = results[i] as CallResult;
      expect(r, r.log).to.include({ answered: true, hungUpBy: 'caller' });
      const sippSeconds = ((r.endedAt ?? 0) - (r.answeredAt ?? 0)) / 1000;
      expect(Math.abs((leg?.seconds ?? -99) - sippSeconds), `${leg?.channelId ?? ''}: ledger ${leg?.seconds ?? '-'} s, SIPp ${sippSeconds} s`).to.be.at.most(1);
      expect(leg?.channelId).to.match(new RegExp(`^${(i === 0 ? first : second).config.asterisk.systemName}-\\d+\\.\\d+$`));
    });
  });
});
