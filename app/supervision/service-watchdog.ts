// The bridge's side of systemd's supervision: READY=1 once it takes calls, WATCHDOG=1 every
// half watchdog interval while it is well, STOPPING=1 when it starts to drain. "Well" is: the
// event loop turns (the ping is a timer) and ARI is connected, or the process is draining.
// The database is not part of it: legs wait in the journal through an outage, and a restart
// would not mend the database, only end the calls' app.
import type { NotifySender } from './systemd-notify.js';

export interface WatchedBridge {
  ariConnected(): boolean;
  draining(): boolean;
}

export class ServiceWatchdog {
  private handle: NodeJS.Timeout | null = null;

  constructor(
    private readonly notify: NotifySender,
    private readonly bridge: WatchedBridge,
    private readonly intervalMs: number | null,
  ) {}

  /** The bridge takes calls: READY=1, then the watchdog pings while it stays well. */
  async ready(): Promise<void> {
    await this.notify('READY=1');
    if (this.intervalMs === null) return;
    this.handle = setInterval(() => {
      if (this.bridge.ariConnected() || this.bridge.draining()) void this.notify('WATCHDOG=1');
    }, this.intervalMs);
    this.handle.unref();
  }

  /** The drain begins: systemd waits for the stop (TimeoutStopSec) instead of the watchdog. */
  async stopping(): Promise<void> {
    this.stop();
    await this.notify('STOPPING=1');
  }

  stop(): void {
    if (this.handle !== null) clearInterval(this.handle);
    this.handle = null;
  }
}
