// Asterisk's taskprocessor queues during a load run, from `core show taskprocessors` polled
// about twice a second: the deepest queue seen per processor, its lifetime Max Depth (the
// instances start fresh per run, so lifetime is this run) and the high-water mark above which
// Asterisk warns ("... queue reached 500 scheduled tasks"). The ARI application's queue
// (stasis/m:ari:application/<app>) is where events wait for the app.
export interface TaskprocessorPeak {
  name: string;
  /** Largest "In Queue" seen in a poll. */
  inQueue: number;
  /** Asterisk's own Max Depth (highest queue since the processor was created). */
  maxDepth: number;
  highWater: number;
}

// Name, Processed, In Queue, Max Depth, Low water, High water; Asterisk 22 adds low/high time (us).
const ROW = /^\s*(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)(?:\s+\d+)*\s*$/;

export function parseTaskprocessors(lines: readonly string[]): TaskprocessorPeak[] {
  const rows: TaskprocessorPeak[] = [];
  for (const line of lines.flatMap((l) => l.split('\n'))) {
    const m = ROW.exec(line);
    if (m === null) continue;
    rows.push({ name: m[1] ?? '', inQueue: Number(m[3]), maxDepth: Number(m[4]), highWater: Number(m[6]) });
  }
  return rows;
}

export class TaskprocessorWatch {
  private readonly peaks = new Map<string, TaskprocessorPeak>();
  polls = 0;

  record(rows: readonly TaskprocessorPeak[]): void {
    this.polls++;
    for (const row of rows) {
      const seen = this.peaks.get(row.name);
      this.peaks.set(row.name, {
        name: row.name,
        inQueue: Math.max(seen?.inQueue ?? 0, row.inQueue),
        maxDepth: Math.max(seen?.maxDepth ?? 0, row.maxDepth),
        highWater: row.highWater,
      });
    }
  }

  /** The `count` deepest processors by Max Depth. */
  deepest(count: number): TaskprocessorPeak[] {
    return [...this.peaks.values()].sort((a, b) => b.maxDepth - a.maxDepth || b.inQueue - a.inQueue).slice(0, count);
  }

  /** The ARI application's event queue, when the side has one. */
  ariApplication(): TaskprocessorPeak | null {
    return [...this.peaks.values()].find((p) => p.name.includes('ari:application/')) ?? null;
  }
}
