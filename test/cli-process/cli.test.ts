// The CLI through its real process boundary: spawned as `node dist/cli/main.js`, checked by
// exit code, stdout (--json) and stderr, against a real database file.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../db/index.js';
import { periodOf } from '../../domain/billing.js';
import { loadConfig } from '../../config/config.js';
import { repoRoot } from '../../config/paths.js';
import { commands } from '../../cli/commands.js';
import { freePort } from '../support/free-port.js';
import { waitFor } from '../support/wait.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('tollbridge CLI (spawned process)', function () {
  this.timeout(60_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;

  function tb(args: string[], stdin?: string): Promise<Run> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(repoRoot(), 'dist/cli/main.js'), ...args], { env, cwd: dir });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdin.end(stdin ?? '');
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
  }
  async function json<T>(args: string[]): Promise<T> {
    const r = await tb([...args, '--json']);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(0);
    return JSON.parse(r.stdout) as T;
  }

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-cli-'));
    const { TOLLBRIDGE_SMTP_URL: _smtp, ...rest } = process.env;
    env = { ...rest, TOLLBRIDGE_DB: `sqlite:${path.join(dir, 'tb.sqlite')}`, TOLLBRIDGE_PIN_SECRET: 'cli-test-secret' };
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('an owner\'s whole journey: account, PINs, settings, number, subscription, usage, statement, unsubscribe', async () => {
    const made = await tb(['accounts', 'create', '--name', 'Ada', '--email', 'Ada@Example.com', '--password-stdin', '--json'], 'correct horse battery\n');
    expect(made.code, made.stderr).to.equal(0);
    const created = JSON.parse(made.stdout) as { account: { id: number }; room: { number: string } };
    expect(created.room.number).to.match(/^[1-9]\d{7}$/);
    const shown = await json<{ account: { email: string; hasPassword: boolean } }>(['accounts', 'show', 'ada@example.com']);
    expect(shown.account).to.include({ email: 'ada@example.com', hasPassword: true });
    const room = created.room.number;
    expect((await json<{ pinsSet: boolean }>(['rooms', 'set-pins', room, '--moderator', '4826', '--participant', '1739'])).pinsSet).to.equal(true);
    expect((await json<{ onModeratorLeave: string }>(['rooms', 'set', room, '--on-moderator-leave', 'end'])).onModeratorLeave).to.equal('end');
    await json(['numbers', 'add', '+18005550100', '--kind', 'toll_free']);
    expect((await json<Array<{ e164: string }>>(['numbers', 'list', '--available'])).map((n) => n.e164)).to.deep.equal(['+18005550100']);
    expect((await json<{ perMinuteMicros: number }>(['rates', 'set', '--kind', 'toll_free', '--per-minute', '0.015'])).perMinuteMicros).to.equal(15_000);
    await json(['numbers', 'subscribe', '+18005550100', '--account', String(created.account.id)]);
    expect(await json<unknown[]>(['numbers', 'list', '--available'])).to.deep.equal([]);

    // A 90-second leg, written through the database as the bridge would.
    const db = await openDatabase({ client: 'sqlite', filename: path.join(dir, 'tb.sqlite') }, { pinSecret: 'cli-test-secret', dataKey: loadConfig(env).dataKey });
    const route = await db.numbers.routeFor('+18005550100');
    const t = Date.now() + 1000; // answered after the rate change, so 0.015 applies
    await db.ledger.openLeg({ channelId: 'cli-1', accountId: created.account.id, subscriptionId: route?.subscriptionId ?? 0, numberId: route?.numberId ?? 0, dialled: '+18005550100', callerNumber: '+15550001', answeredAt: t });
    await db.ledger.assign('cli-1', { roomId: 1, role: 'moderator' });
    await db.ledger.closeLeg('cli-1', t + 90_000);
    await db.close();

    const usage = await json<Array<{ seconds: number; billableSeconds: number; amountMicros: number; role: string }>>(['usage', 'ada@example.com']);
    expect(usage[0]).to.include({ seconds: 90, billableSeconds: 120, amountMicros: 30_000, role: 'moderator' });
    const csv = await tb(['statement', 'ada@example.com', '--period', periodOf(t), '--format', 'csv']);
    expect(csv.code).to.equal(0);
    expect(csv.stdout.trim().split('\n')).to.deep.equal([
      'period,number,kind,legs,adjustments,late_entries,billable_seconds,billable_minutes,amount',
      `${periodOf(t)},+18005550100,toll_free,1,0,0,120,2,0.03`,
      `${periodOf(t)},TOTAL,,,,,,,0.03`,
    ]);
    const gone = await json<{ usage: { legs: number; amountMicros: number }; mailed: boolean }>(['numbers', 'unsubscribe', '+18005550100', '--account', 'ada@example.com']);
    expect(gone.usage).to.include({ legs: 1, amountMicros: 30_000 });
    expect(gone.mailed).to.equal(false); // no SMTP server configured: said, not pretended
    expect((await json<Array<{ state: string }>>(['numbers', 'list']))[0]?.state).to.equal('quarantined');
    expect((await json<{ deactivatedAt: number | null }>(['accounts', 'deactivate', 'ada@example.com'])).deactivatedAt).to.be.a('number');
  });

  it('errors: domain errors exit 2 with a stable code; usage errors exit 64 with the usage line', async () => {
    await json(['accounts', 'create', '--name', 'Bob', '--email', 'bob@example.com']);
    const equal = await tb(['rooms', 'set-pins', '12345674', '--moderator', '1739', '--participant', '1739', '--json']);
    expect(equal.code).to.equal(2);
    expect(JSON.parse(equal.stderr)).to.deep.equal({ error: { code: 'InvalidPin', message: 'the moderator and participant PINs must differ' } });
    const dup = await tb(['accounts', 'create', '--name', 'Bob', '--email', 'BOB@example.com', '--json']);
    expect([dup.code, (JSON.parse(dup.stderr) as { error: { code: string } }).error.code]).to.deep.equal([2, 'EmailTaken']);
    const badDate = await tb(['usage', 'bob@example.com', '--from', 'yesterday']);
    expect(badDate.code).to.equal(64);
    expect(badDate.stderr).to.contain('--from takes a date').and.to.contain('Usage: tollbridge usage');
    const badE164 = await tb(['numbers', 'add', '18005550100', '--kind', 'toll_free']);
    expect([badE164.code, badE164.stderr]).to.deep.equal([2, 'tollbridge: "18005550100" is not an E.164 number: + then 8 to 15 digits, e.g. +18005550100\n']);
    expect((await tb(['rates', 'set', '--kind', 'premium', '--per-minute', '1'])).code).to.equal(64);
    expect((await tb(['rates', 'set', '--kind', 'local', '--per-minute', '0.1.2'])).code).to.equal(2);
    expect((await tb(['frobnicate'])).code).to.equal(64);
    expect((await tb(['rooms', 'set', '12345674'])).code).to.equal(64);
  });

  it('`tollbridge api` serves the HTTP API alone: an owner signs in and reads their room; SIGINT stops it', async () => {
    const made = await tb(['accounts', 'create', '--name', 'Cy', '--email', 'cy@example.com', '--password-stdin', '--json'], 'cy password 123\n');
    expect(made.code, made.stderr).to.equal(0);
    const created = JSON.parse(made.stdout) as { account: { id: number }; room: { number: string } };
    const child = spawn(process.execPath, [path.join(repoRoot(), 'dist/cli/main.js'), 'api', '--json'], {
      env: { ...env, TOLLBRIDGE_API_PORT: String(await freePort()), TOLLBRIDGE_OPERATOR_TOKEN: 'cli-test-operator-token' },
      cwd: dir,
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const { url } = await waitFor('the API document on stdout', () => {
        try {
          return JSON.parse(stdout) as { url: string };
        } catch {
          return null;
        }
      });
      const session = await fetch(`${url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'cy@example.com', password: 'cy password 123' }) });
      expect(session.status).to.equal(201);
      const { token } = (await session.json()) as { token: string };
      const room = await fetch(`${url}/v1/accounts/${created.account.id}/room`, { headers: { authorization: `Bearer ${token}` } });
      expect(room.status).to.equal(200);
      expect(((await room.json()) as { number: string }).number).to.equal(created.room.number);
      const operatorOnly = await fetch(`${url}/v1/operator/numbers`, { headers: { authorization: `Bearer ${token}` } });
      expect(operatorOnly.status).to.equal(403);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).to.equal(0);
  });

  it('recovery: `ledger open` lists a leg a crash left open; `ledger close` rates it from its real end time, once', async () => {
    const made = await json<{ account: { id: number } }>(['accounts', 'create', '--name', 'Dee', '--email', 'dee@example.com']);
    await json(['numbers', 'add', '+18005550177', '--kind', 'local']);
    await json(['numbers', 'subscribe', '+18005550177', '--account', 'dee@example.com']);
    const db = await openDatabase({ client: 'sqlite', filename: path.join(dir, 'tb.sqlite') }, { pinSecret: 'cli-test-secret', dataKey: loadConfig(env).dataKey });
    const route = await db.numbers.routeFor('+18005550177');
    const answeredAt = Date.UTC(2026, 10, 2, 9, 0, 0);
    await db.ledger.openLeg({ channelId: 'crashed-1', accountId: made.account.id, subscriptionId: route?.subscriptionId ?? 0, numberId: route?.numberId ?? 0, dialled: '+18005550177', callerNumber: '+15550002', answeredAt });
    await db.close();

    const open = await json<Array<{ channelId: string }>>(['ledger', 'open']);
    expect(open.map((l) => l.channelId)).to.include('crashed-1');
    const closed = await json<{ seconds: number; billableSeconds: number; endedAt: number }>(['ledger', 'close', 'crashed-1', '--ended-at', '2026-11-02T09:01:30.200Z']);
    expect(closed).to.include({ seconds: 91, billableSeconds: 120, endedAt: answeredAt + 90_200 });
    expect((await json<Array<{ channelId: string }>>(['ledger', 'open'])).map((l) => l.channelId)).not.to.include('crashed-1');
    const again = await tb(['ledger', 'close', 'crashed-1', '--ended-at', '2026-11-02T09:05:00Z', '--json']);
    expect([again.code, (JSON.parse(again.stderr) as { error: { code: string } }).error.code]).to.deep.equal([2, 'LegClosed']);
    const unknown = await tb(['ledger', 'close', 'no-such-channel', '--ended-at', '2026-11-02T09:05:00Z', '--json']);
    expect([unknown.code, (JSON.parse(unknown.stderr) as { error: { code: string } }).error.code]).to.deep.equal([2, 'LegNotFound']);
    expect((await tb(['ledger', 'close', 'crashed-1'])).code).to.equal(64);
  });

  it('--version and -v print package.json\'s version and nothing else, exit 0', async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      const r = await tb([flag]);
      expect([r.code, r.stdout, r.stderr], flag).to.deep.equal([0, `${pkg.version}\n`, '']);
    }
  });

  it('--help explains every command and every one of its options', async () => {
    const overview = await tb(['--help']);
    expect(overview.code).to.equal(0);
    for (const command of commands) {
      expect(overview.stdout).to.contain(command.usage);
      const help = await tb([...command.path, '--help']);
      expect(help.code, command.path.join(' ')).to.equal(0);
      for (const name of Object.keys(command.options)) expect(help.stdout, `${command.path.join(' ')} --${name}`).to.contain(`--${name}`);
    }
  });
});
