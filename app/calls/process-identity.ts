// Who a running process is, in a form another process on the same host can check later: host
// name, pid and the process's start as the kernel counts it (clock ticks after boot, from
// /proc/<pid>/stat). A pid is reused; a pid with the same start is the same process.
import fs from 'node:fs';
import os from 'node:os';
import type { LeaseHolder } from '../../db/index.js';

/** The process's start from /proc (Linux), or null where there is no /proc. */
function kernelStart(pid: number): { start: string; zombie: boolean } | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so fields count from the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Field 3 is the state, field 22 the start time.
  return { start: fields[19] ?? '', zombie: fields[0] === 'Z' };
}

export function thisProcess(): LeaseHolder {
  const host = os.hostname();
  const start = kernelStart(process.pid)?.start ?? String(Math.round(Date.now() - process.uptime() * 1000));
  return { id: `${host}/${process.pid}/${start}`, host, pid: process.pid };
}

/**
 * True when `holder` is a process of this host that has ended (or whose pid now belongs to
 * another process): its lease can be taken over at once. False for another host's holder,
 * which only its lease's expiry can free.
 */
export function localHolderGone(holder: LeaseHolder, host = os.hostname()): boolean {
  if (holder.host !== host) return false;
  const recorded = holder.id.slice(holder.id.lastIndexOf('/') + 1);
  const now = kernelStart(holder.pid);
  if (now !== null) return now.zombie || now.start !== recorded;
  if (fs.existsSync('/proc/self/stat')) return true; // a /proc without this pid: it has ended
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
