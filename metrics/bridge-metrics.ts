// Everything GET /metrics reports for one bridge process, on its own registry: the callers
// (call-metrics.ts), Asterisk's ARI (ari-metrics.ts), the ledger and database
// (ledger-metrics.ts), and Node's process metrics. `tollbridge start` makes one and hands it to
// the bridge, which wires its ports and views in (app/calls/bridge-app.ts).
import type { Registry } from 'prom-client';
import type { Directory, PinGuard, UsageLedger } from '../flows/ports.js';
import { AriMetrics, type AriView } from './ari-metrics.js';
import { CallMetrics, type CallsView } from './call-metrics.js';
import { LedgerMetrics } from './ledger-metrics.js';
import { createMetricsRegistry } from './registry.js';

/** What a scrape reads of the running bridge. */
export type BridgeView = CallsView & AriView;

/** The ports a bridge is composed with, as far as metrics count on them. */
interface CountedPorts {
  directory: Directory;
  ledger: UsageLedger;
  pinGuard?: PinGuard;
}

export class BridgeMetrics {
  readonly registry: Registry;
  readonly calls: CallMetrics;
  readonly ari: AriMetrics;
  readonly ledger: LedgerMetrics;

  /** `processMetrics`: Node's process_* and nodejs_* metrics too (default yes). */
  constructor(options: { processMetrics?: boolean } = {}) {
    this.registry = createMetricsRegistry(options);
    this.calls = new CallMetrics(this.registry);
    this.ari = new AriMetrics(this.registry);
    this.ledger = new LedgerMetrics(this.registry);
  }

  /** The ports with their legs and database errors counted. */
  countPorts<T extends CountedPorts>(ports: T): T {
    return {
      ...ports,
      directory: this.ledger.countDirectoryErrors(ports.directory),
      ledger: this.ledger.countLegs(ports.ledger),
      pinGuard: ports.pinGuard === undefined ? undefined : this.ledger.countPinGuardErrors(ports.pinGuard),
    };
  }

  watch(view: BridgeView): void {
    this.calls.watch(view);
    this.ari.watch(view);
  }
}
