// Runs a real Asterisk 22 on loopback from the Debian root built by build-root.sh: writes
// this instance's configuration into the root, starts `asterisk -f` under chroot, waits for
// ARI to answer (polling, never a fixed sleep), and stops it by the PID it started.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { AsteriskConfig } from '../config/config.js';
import { repoRoot } from '../config/paths.js';
import { renderAsteriskConfig } from './config-render.js';

const run = promisify(execFile);

/** How long Asterisk may take to answer ARI after start (module loading on 2 cores). */
const READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 100;
/** How long `core stop now` may take before the process is signalled. */
const STOP_TIMEOUT_MS = 10_000;

export interface AsteriskPaths {
  etcDir: string;
  runDir: string;
  spoolDir: string;
  logDir: string;
  dbDir: string;
  /** Asterisk's own stdout/stderr, on the host. */
  consoleLog: string;
  /** Asterisk's CEL record of every channel, one JSON object per line (sip-config/cel_custom.conf). */
  celLog: string;
}

export function instancePaths(cfg: AsteriskConfig): AsteriskPaths {
  const inRoot = (p: string) => path.join(cfg.root, p);
  return {
    etcDir: inRoot(`etc/asterisk-${cfg.instance}`),
    runDir: inRoot(`var/run/asterisk-${cfg.instance}`),
    spoolDir: inRoot(`var/spool/asterisk-${cfg.instance}`),
    logDir: inRoot(`var/log/asterisk-${cfg.instance}`),
    dbDir: inRoot(`var/lib/asterisk-${cfg.instance}`),
    consoleLog: inRoot(`var/log/asterisk-${cfg.instance}/console.out`),
    celLog: inRoot(`var/log/asterisk-${cfg.instance}/cel-custom/tollbridge-cel.json`),
  };
}

export class LocalAsterisk {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  readonly paths: AsteriskPaths;

  constructor(readonly cfg: AsteriskConfig) {
    this.paths = instancePaths(cfg);
  }

  get ariUrl(): string {
    return `http://${this.cfg.host}:${this.cfg.ariPort}`;
  }

  /** Builds the Debian root if it is missing (about a minute; cached afterwards). */
  async ensureRoot(): Promise<void> {
    const script = path.join(repoRoot(), 'asterisk', 'build-root.sh');
    await run('bash', [script], { env: { ...process.env, TOLLBRIDGE_ASTERISK_ROOT: this.cfg.root }, maxBuffer: 1 << 20 });
  }

  writeConfig(): void {
    const { etcDir, runDir, spoolDir, logDir, dbDir } = this.paths;
    // ARI records into <spool>/recording and fails with a bare 500 if it is missing.
    // cel_custom writes into <log>/cel-custom but does not create it.
    for (const dir of [etcDir, runDir, spoolDir, path.join(spoolDir, 'recording'), logDir, path.dirname(this.paths.celLog), dbDir]) fs.mkdirSync(dir, { recursive: true });
    for (const [name, text] of renderAsteriskConfig(this.cfg)) {
      fs.writeFileSync(path.join(this.paths.etcDir, name), text, { mode: 0o640 });
    }
  }

  async start(): Promise<void> {
    if (this.child !== undefined) throw new Error('this Asterisk instance is already started');
    await this.ensureRoot();
    await this.killStale();
    this.writeConfig();
    await this.mountProc();
    const out = fs.openSync(this.paths.consoleLog, 'w');
    const child = spawn('chroot', [this.cfg.root, '/usr/sbin/asterisk', '-f', '-C', `/etc/asterisk-${this.cfg.instance}/asterisk.conf`], {
      stdio: ['ignore', out, out],
    });
    fs.closeSync(out);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    fs.writeFileSync(this.pidFile(), String(child.pid));
    await this.waitReady();
  }

  private pidFile(): string {
    return path.join(this.paths.runDir, 'tollbridge.pid');
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const auth = 'Basic ' + Buffer.from(`${this.cfg.ariUser}:${this.cfg.ariPassword}`).toString('base64');
    let exitCode: number | null | undefined;
    void this.exited?.then((code) => { exitCode = code; });
    for (;;) {
      if (exitCode !== undefined) {
        throw new Error(`Asterisk exited (code ${String(exitCode)}) before ARI was ready; see ${this.paths.consoleLog}:\n${this.tail()}`);
      }
      try {
        const res = await fetch(`${this.ariUrl}/ari/asterisk/info`, { headers: { authorization: auth }, signal: AbortSignal.timeout(1000) });
        if (res.ok) {
          await res.body?.cancel();
          return;
        }
        await res.body?.cancel();
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        throw new Error(`ARI did not answer on ${this.ariUrl} within ${READY_TIMEOUT_MS} ms; see ${this.paths.consoleLog}:\n${this.tail()}`);
      }
      await new Promise((r) => setTimeout(r, READY_POLL_MS));
    }
  }

  private tail(): string {
    try {
      return fs.readFileSync(this.paths.consoleLog, 'utf8').split('\n').slice(-20).join('\n');
    } catch {
      return '(no console log)';
    }
  }

  /** Runs an Asterisk CLI command in this instance (asterisk -rx). */
  async cli(command: string): Promise<string> {
    const { stdout } = await run('chroot', [this.cfg.root, '/usr/sbin/asterisk', '-C', `/etc/asterisk-${this.cfg.instance}/asterisk.conf`, '-rx', command]);
    return stdout;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child === undefined || this.exited === undefined) return;
    const exited = this.exited;
    const timeout = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref());
    try {
      await this.cli('core stop now');
    } catch {
      // Already gone or the control socket is not up: fall through to signals.
    }
    if ((await Promise.race([exited, timeout(STOP_TIMEOUT_MS)])) === 'timeout') {
      child.kill('SIGTERM');
      if ((await Promise.race([exited, timeout(3000)])) === 'timeout') child.kill('SIGKILL');
      await exited;
    }
    this.child = undefined;
    fs.rmSync(this.pidFile(), { force: true });
  }

  /** An instance left by a crashed run holds our ports: stop it, but only if the PID is really it. */
  private async killStale(): Promise<void> {
    let pid: number;
    try {
      pid = Number(fs.readFileSync(this.pidFile(), 'utf8'));
    } catch {
      return;
    }
    const confArg = `/etc/asterisk-${this.cfg.instance}/asterisk.conf`;
    const isOurs = () => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(confArg);
      } catch {
        return false;
      }
    };
    if (!Number.isInteger(pid) || pid <= 1 || !isOurs()) return;
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 50 && isOurs(); i++) await new Promise((r) => setTimeout(r, 100));
    if (isOurs()) process.kill(pid, 'SIGKILL');
  }

  private async mountProc(): Promise<void> {
    const target = path.join(this.cfg.root, 'proc');
    const mounts = fs.readFileSync('/proc/mounts', 'utf8');
    if (mounts.split('\n').some((line) => line.split(' ')[1] === target)) return;
    await run('mount', ['-t', 'proc', 'proc', target]);
  }
}
