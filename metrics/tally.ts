// Counts the hot path keeps as plain numbers (an increment: no label hashing, no allocation),
// copied into a prom-client counter only when Prometheus scrapes. Every key is exported from
// the start, at 0, so rate() and absent() work before the first event.
import { Counter, type Registry } from 'prom-client';

export class Tally<K extends string> {
  private readonly counts: Record<K, number>;

  /** `label`: the label the keys are values of; `keys`: every value it can take (a small fixed set). */
  constructor(registry: Registry, name: string, help: string, label: string, keys: readonly K[], extra?: () => Partial<Record<K, number>>) {
    const counts = {} as Record<K, number>;
    for (const key of keys) counts[key] = 0;
    this.counts = counts;
    new Counter({
      name,
      help,
      labelNames: [label],
      registers: [registry],
      collect() {
        const more: Partial<Record<K, number>> = extra?.() ?? {};
        this.reset();
        for (const key of keys) this.inc({ [label]: key }, counts[key] + (more[key] ?? 0));
      },
    });
  }

  add(key: K, n = 1): void {
    this.counts[key] += n;
  }

  get(key: K): number {
    return this.counts[key];
  }
}

/** A counter without labels, kept the same way. */
export class Count {
  private count = 0;

  constructor(registry: Registry, name: string, help: string) {
    const read = () => this.count;
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }

  add(n = 1): void {
    this.count += n;
  }

  get value(): number {
    return this.count;
  }
}
