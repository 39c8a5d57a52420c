// The process's memory as the soak bench reports it: V8's heap (used, after a forced full GC
// when node runs with --expose-gc, so what is retained rather than garbage not yet collected)
// and the resident set size the operating system charges the process (what the load bench and
// an operator see).
import fs from 'node:fs';
import v8 from 'node:v8';

export interface MemorySample {
  label: string;
  /** Calls placed so far. */
  calls: number;
  /** Whether a full GC ran just before (node --expose-gc). */
  collected: boolean;
  heapUsed: number;
  heapTotal: number;
  /** Memory outside V8's heap owned by JS objects (Buffers). */
  external: number;
  rss: number;
  /** V8's young generation as committed now (semi-spaces). */
  newSpace: number;
  /** Resident bytes of the C heap of the main thread (glibc's brk heap: native code's malloc, not V8's heap); null off Linux. */
  mallocHeap: number | null;
}

/** The resident size of the [heap] mapping in /proc/self/smaps. */
function mallocHeapRss(): number | null {
  let text: string;
  try {
    text = fs.readFileSync('/proc/self/smaps', 'utf8');
  } catch {
    return null;
  }
  const at = text.indexOf(' [heap]\n');
  if (at < 0) return 0;
  const rss = /\nRss:\s+(\d+) kB/.exec(text.slice(at, at + 2000));
  return rss === null ? null : Number(rss[1]) * 1024;
}

type GcFunction = () => void;

function gcFunction(): GcFunction | null {
  const gc: unknown = (globalThis as { gc?: unknown }).gc;
  return typeof gc === 'function' ? (gc as GcFunction) : null;
}

export function canCollect(): boolean {
  return gcFunction() !== null;
}

/** A sample; `collect`: a full GC first (twice: weak references and finalizers free more on the second). */
export async function sampleMemory(label: string, calls: number, collect: boolean): Promise<MemorySample> {
  const gc = collect ? gcFunction() : null;
  if (gc !== null) {
    gc();
    await new Promise((r) => setImmediate(r));
    gc();
  }
  const m = process.memoryUsage();
  const newSpace = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
  return { label, calls, collected: gc !== null, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, rss: m.rss, newSpace, mallocHeap: mallocHeapRss() };
}

export const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
export const kb = (bytes: number): string => (bytes / 1024).toFixed(0);

export function sampleLine(s: MemorySample): string {
  return `${s.label.padEnd(34)} calls ${String(s.calls).padStart(6)}  heap used ${mb(s.heapUsed).padStart(6)} MB  heap total ${mb(s.heapTotal).padStart(6)} MB  new space ${mb(s.newSpace).padStart(5)}  external ${mb(s.external).padStart(5)} MB  RSS ${mb(s.rss).padStart(6)} MB (C heap ${s.mallocHeap === null ? '?' : mb(s.mallocHeap)})${s.collected ? '' : '  (no GC)'}`;
}
