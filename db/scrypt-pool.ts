// A small, bounded pool of worker threads that run scrypt. node's crypto.scrypt runs on libuv's
// thread pool (4 threads by default), the same threads SQLite's driver runs every query on: a
// burst of sign-ins once delayed a caller's PIN check by 2.3 s. Here hashing runs on its own
// threads, at most `workers` at once, with at most `maxQueued` more waiting; beyond that a job
// is refused at once (HashingBusy) instead of queueing without limit.
import { Worker } from 'node:worker_threads';
import { HashingBusy } from '../domain/errors.js';
import type { ScryptJob, ScryptResult } from './scrypt-worker.js';

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

export interface ScryptPoolOptions {
  /** Worker threads (default 1: on a small machine the event loop keeps a core). */
  workers?: number;
  /** Jobs that may wait for a worker (default 16). */
  maxQueued?: number;
}

interface Pending {
  job: ScryptJob;
  resolve: (key: Buffer) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | null;
}

const WORKER_URL = new URL('./scrypt-worker.js', import.meta.url);

export class ScryptPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  /** Jobs finished so far (derived or failed). */
  finished = 0;
  private closed = false;
  readonly workers: number;
  readonly maxQueued: number;

  constructor(options: ScryptPoolOptions = {}) {
    this.workers = Math.max(1, options.workers ?? 1);
    this.maxQueued = Math.max(0, options.maxQueued ?? 16);
  }

  /** Jobs running plus waiting. */
  get load(): number {
    return this.slots.filter((s) => s.busy !== null).length + this.queue.length;
  }

  derive(password: string, salt: Buffer, keylen: number, cost: ScryptCost): Promise<Buffer> {
    if (this.closed) return Promise.reject(new Error('the scrypt pool is closed'));
    const idle = this.idleSlot();
    if (idle === null && this.queue.length >= this.maxQueued) {
      return Promise.reject(new HashingBusy(`password hashing is at its limit (${this.workers} running, ${this.maxQueued} waiting): try again in a moment`));
    }
    return new Promise<Buffer>((resolve, reject) => {
      const pending: Pending = { job: { id: this.nextId++, password, salt, keylen, ...cost }, resolve, reject };
      if (idle === null) this.queue.push(pending);
      else this.start(idle, pending);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('the scrypt pool closed'));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private idleSlot(): Slot | null {
    const idle = this.slots.find((s) => s.busy === null);
    if (idle !== undefined) return idle;
    if (this.slots.length < this.workers) return this.spawn();
    return null;
  }

  private spawn(): Slot {
    const slot: Slot = { worker: new Worker(WORKER_URL), busy: null };
    slot.worker.unref();
    slot.worker.on('message', (result: ScryptResult) => this.finish(slot, result));
    const fail = (err: Error) => {
      // A dead worker: fail its job and replace it on the next job.
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      slot.busy?.reject(err);
      slot.busy = null;
      const next = this.queue.shift();
      if (next !== undefined && !this.closed) this.start(this.idleSlot() ?? this.spawn(), next);
    };
    slot.worker.on('error', fail);
    slot.worker.on('exit', (code) => {
      if (!this.closed) fail(new Error(`scrypt worker exited with code ${code}`));
    });
    this.slots.push(slot);
    return slot;
  }

  private start(slot: Slot, pending: Pending): void {
    slot.busy = pending;
    slot.worker.ref(); // a job in flight keeps the process alive; an idle worker does not
    slot.worker.postMessage(pending.job);
  }

  private finish(slot: Slot, result: ScryptResult): void {
    const pending = slot.busy;
    slot.busy = null;
    this.finished++;
    if (pending !== null && pending.job.id === result.id) {
      if ('key' in result) pending.resolve(Buffer.from(result.key));
      else pending.reject(new Error(`scrypt failed: ${result.error}`));
    }
    const next = this.queue.shift();
    if (next !== undefined) this.start(slot, next);
    else slot.worker.unref();
  }
}
