// Runs a real Asterisk 22 on loopback from the Debian root built by build-root.sh: writes
// this instance's configuration into the root, starts `asterisk -f` under chroot, waits for
// ARI to answer (polling, never a fixed sleep), and stops it by the PID it started.
//
// Asterisk's lifetime is not the app's: it runs in its own session (detached), so a kill -9 of
// the app or a Ctrl-C in its terminal does not reach it, and a new `start` ATTACHES to the
// instance its pid file names when that process is this instance's Asterisk, its configuration
// is the one this start would write, and ARI answers. Only then are live calls kept; otherwise
// the old instance is stopped and a new one started.
import { SOUNDS_DIR } from '../ivr/languages.js';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
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
const REAP_TIMEOUT_MS = 5_000;

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

export interface LocalAsteriskOptions {
  /**
   * Config files written after the project's own, by file name: a name the project also has
   * replaces it (e.g. another extensions.conf), a new name is added (e.g. confbridge.conf).
   * The ConfBridge baseline of bench/load.ts runs from the same root this way.
   */
  extraConfig?: Readonly<Record<string, string>>;
}

/** uid and gid of `user` in the Debian root's own /etc/passwd (Asterisk resolves it there, inside the chroot). */
function userIds(root: string, user: string): { uid: number; gid: number } | null {
  const passwd = fs.readFileSync(path.join(root, 'etc/passwd'), 'utf8');
  for (const line of passwd.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === user && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  return null;
}

function chownTree(dir: string, uid: number, gid: number): void {
  fs.chownSync(dir, uid, gid);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chownTree(full, uid, gid);
    else if (!entry.isSymbolicLink()) fs.chownSync(full, uid, gid);
  }
}

export class LocalAsterisk {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  readonly paths: AsteriskPaths;

  constructor(readonly cfg: AsteriskConfig, private readonly options: LocalAsteriskOptions = {}) {
    this.paths = instancePaths(cfg);
  }

  /** The PID of the running Asterisk (chroot execs it), for CPU accounting. */
  /** The PID of the Asterisk this object started or attached to (CPU figures of the load bench). */
  get pid(): number | undefined {
    return this.runningPid;
  }

  get ariUrl(): string {
    return `http://${this.cfg.host}:${this.cfg.ariPort}`;
  }

  /**
   * Builds the Debian root if it is missing (a few minutes; cached afterwards). Its progress goes
   * to stderr as it comes (a first start would otherwise be silent for minutes), all but the
   * "reusing" line every start would print; stdout stays the caller's (`--json` documents).
   */
  async ensureRoot(): Promise<void> {
    const script = path.join(repoRoot(), 'asterisk', 'build-root.sh');
    const child = spawn('bash', [script], { env: { ...process.env, TOLLBRIDGE_ASTERISK_ROOT: this.cfg.root }, stdio: ['ignore', 'pipe', 'pipe'] });
    const passOn = (line: string): void => {
      if (!line.startsWith('build-root: reusing ')) process.stderr.write(`${line}\n`);
    };
    for (const stream of [child.stdout, child.stderr]) readline.createInterface({ input: stream }).on('line', passOn);
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) throw new Error(`asterisk/build-root.sh failed (exit ${String(code)}); its messages are above`);
  }

  writeConfig(): void {
    const { etcDir, runDir, spoolDir, logDir, dbDir } = this.paths;
    // ARI records into <spool>/recording and fails with a bare 500 if it is missing; cel_custom
    // writes into <log>/cel-custom but does not create it.
    for (const dir of [etcDir, runDir, spoolDir, path.join(spoolDir, 'recording'), logDir, path.dirname(this.paths.celLog), dbDir]) fs.mkdirSync(dir, { recursive: true });
    for (const [name, text] of this.configFiles()) {
      fs.writeFileSync(path.join(this.paths.etcDir, name), text, { mode: 0o640 });
    }
    this.copyPromptDirs();
    this.handOverToRunUser();
  }

  /** The operator's recorded languages (TOLLBRIDGE_PROMPT_DIRS) into the root's sounds/<code>. */
  private copyPromptDirs(): void {
    for (const [code, dir] of Object.entries(this.cfg.promptDirs)) {
      if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`TOLLBRIDGE_PROMPT_DIRS: ${dir} (language ${code}) is not a directory`);
      const target = path.join(this.cfg.root, SOUNDS_DIR, code);
      if (fs.lstatSync(target, { throwIfNoEntry: false })?.isSymbolicLink()) fs.rmSync(target); // a package's voice: the operator's wins
      fs.cpSync(dir, target, { recursive: true });
    }
  }

  /**
   * Asterisk drops root right after start (asterisk.conf runuser/rungroup): its user may read
   * the configuration (which holds the ARI/AMI passwords: group-readable only) and owns the
   * instance's run, spool, log and database directories. A user missing from the root's
   * /etc/passwd is a configuration error, said so.
   */
  private handOverToRunUser(): void {
    const user = this.cfg.runUser;
    if (user === 'root') return;
    const ids = userIds(this.cfg.root, user);
    if (ids === null) throw new Error(`TOLLBRIDGE_ASTERISK_USER: no user "${user}" in ${path.join(this.cfg.root, 'etc/passwd')} (the asterisk package creates "asterisk"; "root" keeps root)`);
    const { etcDir, runDir, spoolDir, logDir, dbDir } = this.paths;
    fs.chownSync(etcDir, 0, ids.gid);
    fs.chmodSync(etcDir, 0o750);
    for (const name of fs.readdirSync(etcDir)) fs.chownSync(path.join(etcDir, name), 0, ids.gid);
    for (const dir of [runDir, spoolDir, logDir, dbDir]) chownTree(dir, ids.uid, ids.gid);
  }

  /** The rendered project config with the extra files laid over it, by file name. */
  private configFiles(): Map<string, string> {
    const files = new Map(renderAsteriskConfig(this.cfg));
    for (const [name, text] of Object.entries(this.options.extraConfig ?? {})) {
      if (path.basename(name) !== name) throw new Error(`extra config "${name}" must be a plain file name`);
      files.set(name, text);
    }
    return files;
  }

  private runningPid: number | undefined;

  /**
   * Attaches to this instance's running Asterisk when it can (see the header), else starts
   * one. Resolves 'attached' or 'started' once ARI answers.
   */
  async start(): Promise<'attached' | 'started'> {
    if (this.runningPid !== undefined && this.alive()) throw new Error('this Asterisk instance is already started');
    await this.ensureRoot();
    if (await this.attach()) return 'attached';
    await this.killStale();
    this.writeConfig();
    await this.mountProc();
    const out = fs.openSync(this.paths.consoleLog, 'w');
    // Detached: its own session and process group, so signals meant for the app never reach it.
    const child = spawn('chroot', [this.cfg.root, '/usr/sbin/asterisk', '-f', '-C', `/etc/asterisk-${this.cfg.instance}/asterisk.conf`], {
      stdio: ['ignore', out, out],
      detached: true,
    });
    child.unref();
    fs.closeSync(out);
    this.child = child;
    this.runningPid = child.pid;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    fs.writeFileSync(this.pidFile(), String(child.pid));
    await this.waitReady();
    return 'started';
  }

  /** Whether the Asterisk this object runs or attached to is still this instance's process. */
  alive(): boolean {
    return this.runningPid !== undefined && this.isOurs(this.runningPid);
  }

  /** The running instance's PID, if it is ours, its configuration current, and ARI answers. */
  private async attach(): Promise<boolean> {
    const pid = this.stalePid();
    if (pid === null) return false;
    if (!this.configCurrent()) return false;
    if (!(await this.ariAnswers())) return false;
    this.runningPid = pid;
    this.child = undefined;
    this.exited = undefined;
    return true;
  }

  /** Every config file on disk is the one this start would write (same ports, credentials, app). */
  private configCurrent(): boolean {
    return [...this.configFiles()].every(([name, text]) => {
      try {
        return fs.readFileSync(path.join(this.paths.etcDir, name), 'utf8') === text;
      } catch {
        return false;
      }
    });
  }

  private async ariAnswers(): Promise<boolean> {
    try {
      const res = await fetch(`${this.ariUrl}/ari/asterisk/info`, { headers: { authorization: this.ariAuth() }, signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  private ariAuth(): string {
    return 'Basic ' + Buffer.from(`${this.cfg.ariUser}:${this.cfg.ariPassword}`).toString('base64');
  }

  private pidFile(): string {
    return path.join(this.paths.runDir, 'tollbridge.pid');
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const auth = this.ariAuth();
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

  /** Stops the Asterisk this object started or attached to: `core stop now`, then signals by PID. */
  async stop(): Promise<void> {
    const pid = this.runningPid;
    if (pid === undefined) return;
    if (this.isOurs(pid)) {
      try {
        await this.cli('core stop now');
      } catch {
        // Already gone or the control socket is not up: fall through to signals.
      }
      if (!(await this.gone(pid, STOP_TIMEOUT_MS))) {
        process.kill(pid, 'SIGTERM');
        if (!(await this.gone(pid, 3000))) process.kill(pid, 'SIGKILL');
        await this.gone(pid, 3000);
      }
    }
    await this.reaped();
    this.child = undefined;
    this.runningPid = undefined;
    fs.rmSync(this.pidFile(), { force: true });
  }

  /**
   * Waits for node to reap the child it started. The child is unref'd (it must not keep the app
   * alive), so its 'exit' event alone holds no handle: with nothing else pending, node would
   * end with exit code 13 (an unsettled top-level await) before the event came. A timer keeps
   * the loop alive meanwhile, and bounds the wait.
   */
  private async reaped(): Promise<void> {
    if (this.exited === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, REAP_TIMEOUT_MS)))]);
    clearTimeout(timer);
  }

  /** Waits up to `ms` for the process to end; true when it has. */
  private async gone(pid: number, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (this.isOurs(pid)) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }

  /** The pid file's PID when that process is this instance's Asterisk (never a recycled PID). */
  private stalePid(): number | null {
    let pid: number;
    try {
      pid = Number(fs.readFileSync(this.pidFile(), 'utf8'));
    } catch {
      return null;
    }
    return Number.isInteger(pid) && pid > 1 && this.isOurs(pid) ? pid : null;
  }

  private isOurs(pid: number): boolean {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      // A zombie (state Z, after kill -9 and before its parent reaps it) is gone already.
      return cmdline.includes(`/etc/asterisk-${this.cfg.instance}/asterisk.conf`) && !/^\d+ \(.*\) Z/.test(stat);
    } catch {
      return false;
    }
  }

  /** An instance that cannot be attached to (old configuration, ARI silent) holds our ports: stop it. */
  private async killStale(): Promise<void> {
    const pid = this.stalePid();
    if (pid === null) return;
    process.kill(pid, 'SIGTERM');
    if (!(await this.gone(pid, 5000))) process.kill(pid, 'SIGKILL');
    await this.gone(pid, 3000);
  }

  private async mountProc(): Promise<void> {
    const target = path.join(this.cfg.root, 'proc');
    const mounts = fs.readFileSync('/proc/mounts', 'utf8');
    if (mounts.split('\n').some((line) => line.split(' ')[1] === target)) return;
    await run('mount', ['-t', 'proc', 'proc', target]);
  }
}
