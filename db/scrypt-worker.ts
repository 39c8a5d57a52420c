// One scrypt worker thread (see scrypt-pool.ts). scryptSync runs on this thread, so password
// hashing never takes a slot of libuv's thread pool, which SQLite's driver needs for every query.
import { scryptSync } from 'node:crypto';
import os from 'node:os';
import { parentPort } from 'node:worker_threads';

// The lowest CPU priority for this thread alone (on Linux, setpriority on the calling thread):
// when a flood of sign-ins keeps it busy, the bridge's own thread still gets the core first.
try {
  os.setPriority(19);
} catch {
  // not permitted here: hashing still runs, at the process's priority
}

export interface ScryptJob {
  id: number;
  password: string;
  salt: Uint8Array;
  keylen: number;
  N: number;
  r: number;
  p: number;
}

export type ScryptResult = { id: number; key: Uint8Array } | { id: number; error: string };

parentPort?.on('message', (job: ScryptJob) => {
  let result: ScryptResult;
  try {
    // scrypt needs 128 * N * r bytes; leave room above that.
    const maxmem = 256 * job.N * job.r + 1024 * 1024;
    result = { id: job.id, key: scryptSync(job.password, job.salt, job.keylen, { N: job.N, r: job.r, p: job.p, maxmem }) };
  } catch (err) {
    result = { id: job.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(result);
});
