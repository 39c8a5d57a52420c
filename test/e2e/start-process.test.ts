// `tollbridge start` as a user runs it: a spawned process with its own Asterisk instance and an
// empty database. It must seed the demo, print a `tollbridge call` line and a raw SIPp line
// that both join the demo room as moderator over real SIP, serve the HTTP API, and on SIGINT
// stop cleanly with its Asterisk. (README: "Place a test call".)
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../config/paths.js';
import { loadConfig } from '../../config/config.js';
import { instancePaths } from '../../asterisk/local-asterisk.js';
import { DEMO_EMAIL } from '../../app/accounts/demo-seed.js';
import { waitFor } from '../support/wait.js';
import { freePort } from '../support/free-port.js';

interface StartDocument {
  demo: { roomNumber: string; tollFree: string; moderatorPin: string; created: boolean };
  sipPort: number;
  sipp: string;
  api: string | null;
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

const CLI = () => path.join(repoRoot(), 'dist/cli/main.js');

function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Finished> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

describe('tollbridge start (spawned process) @asterisk', function () {
  this.timeout(180_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let bridge: ChildProcess | undefined;
  let stdout = '';
  let stderr = '';

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-start-'));
    const { TOLLBRIDGE_SMTP_URL: _smtp, TOLLBRIDGE_DB: _db, ...rest } = process.env;
    env = {
      ...rest,
      TOLLBRIDGE_DATA_DIR: dir,
      TOLLBRIDGE_ASTERISK_INSTANCE: 'starttest',
      TOLLBRIDGE_SIP_PORT: '16060',
      TOLLBRIDGE_ARI_PORT: '18188',
      TOLLBRIDGE_AMI_PORT: '16038',
      TOLLBRIDGE_RTP_START: '35000',
      TOLLBRIDGE_RTP_END: '37999',
      TOLLBRIDGE_API_PORT: String(await freePort()),
      TOLLBRIDGE_OPERATOR_TOKEN: 'start-test-operator-token',
    };
  });

  after(async () => {
    if (bridge !== undefined && bridge.exitCode === null) {
      bridge.kill('SIGINT');
      await exited(bridge);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('seeds the demo on an empty database, prints lines that join as moderator, serves the API, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, [CLI(), 'start', '--json'], { env, cwd: dir });
    bridge = child;
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const doc = await waitFor(
      'the start document on stdout',
      () => {
        if (child.exitCode !== null) throw new Error(`start exited ${child.exitCode}: ${stderr}`);
        try {
          return JSON.parse(stdout) as StartDocument;
        } catch {
          return null;
        }
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    expect(doc.demo.created).to.equal(true);
    expect(doc.sipPort).to.equal(16060);
    expect(doc.sipp).to.match(/^sipp /);
    expect(JSON.parse(stderr.split('\n').find((l) => l.startsWith('{')) ?? '{}')).to.have.property('app', 'tollbridge'); // logs went to stderr

    // The API is up, and its OpenAPI document names the owner routes.
    const openapi = (await (await fetch(`${doc.api ?? ''}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(openapi.paths).to.have.property('/v1/accounts/{accountId}/subscriptions');
    // GET /health: the bridge can take calls (database, ARI), no calls yet.
    const health = await fetch(`${doc.api ?? ''}/health`);
    expect(health.status).to.equal(200);
    expect(await health.json()).to.deep.include({ status: 'ok', database: { ok: true }, ari: { connected: true }, calls: { live: 0, draining: false } });
    // GET /metrics: the bridge's registry, ARI connected, no live calls (TOLLBRIDGE_METRICS_TOKEN unset: open).
    const metrics = await fetch(`${doc.api ?? ''}/metrics`);
    expect(metrics.status).to.equal(200);
    const exposition = await metrics.text();
    expect(exposition).to.match(/^tollbridge_ari_connected 1$/m);
    expect(exposition).to.match(/^tollbridge_live_calls\{step="in-room"\} 0$/m);
    expect(exposition).to.match(/^process_cpu_seconds_total /m);

    // Both printed ways of calling, at once: `tollbridge call` (as the README shows it, with a
    // shorter stay) and the raw SIPp line exactly as printed.
    const digits = `${doc.demo.roomNumber}#${doc.demo.moderatorPin}#`;
    const [viaCli, viaSipp] = await Promise.all([
      run(process.execPath, [CLI(), 'call', doc.demo.tollFree, '--digits', digits, '--stay', '12', '--port', String(doc.sipPort), '--json'], env, dir),
      run('sipp', doc.sipp.split(' ').slice(1), env, dir),
    ]);
    expect(viaCli.code, viaCli.stderr).to.equal(0);
    expect(JSON.parse(viaCli.stdout), viaCli.stdout).to.include({ answered: true, finalStatus: 200, hungUpBy: "caller" });
    expect(viaSipp.code, viaSipp.stdout + viaSipp.stderr).to.equal(0);

    // Both legs are on the ledger as moderators, for as long as they stayed.
    // The app closes a leg when Asterisk reports the channel gone, just after SIPp's BYE.
    const legs = await waitFor('both legs closed on the ledger', async () => {
      const usage = await run(process.execPath, [CLI(), 'usage', DEMO_EMAIL, '--json'], env, dir);
      expect(usage.code, usage.stderr).to.equal(0);
      const entries = JSON.parse(usage.stdout) as Array<{ role: string; seconds: number | null; endedAt: number | null }>;
      return entries.length === 2 && entries.every((e) => e.endedAt !== null) ? entries : null;
    });
    expect(legs.map((l) => l.role)).to.deep.equal(['moderator', 'moderator']);
    const seconds = legs.map((l) => l.seconds ?? 0).sort((a, b) => a - b);
    expect(seconds[0]).to.be.within(12, 14);
    expect(seconds[1]).to.be.within(30, 32);

    // SIGINT: the bridge drains, stops its Asterisk and exits 0.
    const pid = fs.readFileSync(path.join(instancePaths(loadConfig(env).asterisk).runDir, 'tollbridge.pid'), 'utf8').trim();
    child.kill('SIGINT');
    expect(await exited(child)).to.equal(0);
    expect(processAlive(Number(pid)), `Asterisk ${pid} still running`).to.equal(false);
  });
});

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

