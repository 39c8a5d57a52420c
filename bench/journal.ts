// The ledger journal on the caller's path: what one leg write costs the caller when it is
// fsync'd to the local journal (the durability point now) against today's group-committed
// SQLite write (the durability point before), same disk, same run. Two loads: one call at a
// time (an fsync per record, nothing to group with) and 50 calls in flight (group commit).
//   node dist/bench/journal.js [--records 5000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createScratchDatabase } from '../db/scratch.js';
import type { UsageLedger } from '../flows/ports.js';
import type { LegOpening } from '../domain/legs.js';
import { JournaledLedger } from '../journal/journaled-ledger.js';

export interface WriteFigures {
  what: string;
  inFlight: number;
  records: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Records per write (per fdatasync when syncing); journal only. */
  groupSize?: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

async function measure(what: string, records: number, inFlight: number, write: (i: number) => Promise<void>): Promise<WriteFigures> {
  const latencies: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let i = next++; i < records; i = next++) {
        const s = performance.now();
        await write(i);
        latencies.push(performance.now() - s);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return { what, inFlight, records, perSecond: Math.round(records / seconds), p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)) };
}

export async function benchJournal(records: number): Promise<WriteFigures[]> {
  const start = Date.UTC(2026, 11, 1);
  const db = await createScratchDatabase({ pinSecret: 'bench' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tollbridge-journal-bench-'));
  const figures: WriteFigures[] = [];
  try {
    const { account } = await db.accounts.create({ name: 'Bench', email: 'bench@example.test' });
    await db.numbers.add('+18005550100', 'toll_free');
    const sub = await db.numbers.subscribe('+18005550100', account.id);
    const leg = (prefix: string, i: number): LegOpening => ({ channelId: `${prefix}-${i}`, accountId: account.id, subscriptionId: sub.id, numberId: sub.numberId, dialled: '+18005550100', callerNumber: null, answeredAt: start + i });
    // The database is a no-op here: this measures the journal alone, as the caller waits for it.
    const idle: UsageLedger = { openLeg: async () => {}, assign: async () => {}, closeLeg: async () => {} };
    for (const inFlight of [1, 50]) {
      for (const sync of [true, false]) {
        const journal = await JournaledLedger.open({ dir: path.join(dir, `${inFlight}-${sync}`), target: idle, log: pino({ level: 'silent' }), sync });
        const f = await measure(sync ? 'journal append (fdatasync)' : 'journal append (no fsync)', records, inFlight, (i) => journal.openLeg(leg(`j${inFlight}${sync}`, i)));
        const { syncs, records: written } = journal.syncStats;
        figures.push({ ...f, groupSize: Math.round((written / syncs) * 10) / 10 });
        await journal.close();
      }
      figures.push(await measure('SQLite openLeg (group commit)', records, inFlight, async (i) => {
        await db.ledger.openLeg(leg(`d${inFlight}`, i));
      }));
    }
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

function table(figures: WriteFigures[]): string {
  const head = 'write                           in flight  records  per s    p50 ms  p99 ms  records/write';
  return [head, ...figures.map((f) => [f.what.padEnd(31), String(f.inFlight).padStart(9), String(f.records).padStart(8), String(f.perSecond).padStart(7), f.p50Ms.toFixed(2).padStart(8), f.p99Ms.toFixed(2).padStart(7), String(f.groupSize ?? '-').padStart(14)].join(' '))].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { records: { type: 'string' } } });
  const records = Number(values.records ?? 5000);
  benchJournal(records).then(
    (f) => console.log(table(f)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
