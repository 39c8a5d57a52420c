// CPU and memory of processes, read from /proc (Linux): utime+stime of a process (all its
// threads) plus cutime+cstime (children it has waited for), and VmRSS. The bench's own
// children time is how SIPp's CPU is counted: every SIPp is a child of the bench, reaped when
// it exits, and nothing else the bench starts ends during a measured window.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces). */
function statFields(pid: number | 'self'): string[] {
  const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

export interface CpuTimes {
  /** The process itself (utime + stime), seconds. */
  own: number;
  /** Its waited-for children (cutime + cstime), seconds. */
  children: number;
}

export function cpuTimes(pid: number | 'self'): CpuTimes {
  // After ')': state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
  const f = statFields(pid).map(Number);
  const hz = clockTicks();
  return { own: ((f[11] ?? 0) + (f[12] ?? 0)) / hz, children: ((f[13] ?? 0) + (f[14] ?? 0)) / hz };
}

/** CPU seconds of a process and its reaped children; null when it is gone. */
export function totalCpu(pid: number): number | null {
  try {
    const t = cpuTimes(pid);
    return t.own + t.children;
  } catch {
    return null;
  }
}

/** Resident memory in kB; null when the process is gone. */
export function rssKb(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? null : Number(m[1]);
  } catch {
    return null;
  }
}
