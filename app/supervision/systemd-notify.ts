// Tells systemd about this process (sd_notify: READY=1, WATCHDOG=1, STOPPING=1) when it runs
// under a unit with Type=notify (NOTIFY_SOCKET set). Node cannot send on a unix datagram
// socket, so systemd's own `systemd-notify` sends each message, naming this process as the
// sender (--pid; the unit runs as root, which may). Outside systemd nothing is sent.
import { execFile } from 'node:child_process';
import type { Logger } from 'pino';

/** One sd_notify message, e.g. "READY=1". */
export type NotifySender = (message: string) => Promise<void>;

export function systemdNotifier(env: NodeJS.ProcessEnv, log: Logger, pid = process.pid): NotifySender | null {
  if (env.NOTIFY_SOCKET === undefined || env.NOTIFY_SOCKET === '') return null;
  return (message) =>
    new Promise((resolve) => {
      execFile('systemd-notify', [`--pid=${String(pid)}`, message], { timeout: 5_000 }, (err) => {
        // A lost message is not worth stopping for: systemd's timeouts say what went missing.
        if (err !== null) log.warn({ err, message }, 'systemd-notify failed');
        resolve();
      });
    });
}

/**
 * The watchdog interval systemd asks for (WATCHDOG_USEC, for this process by WATCHDOG_PID),
 * halved as sd_watchdog_enabled(3) advises; null when no watchdog is set.
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid = process.pid): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!Number.isInteger(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID !== undefined && env.WATCHDOG_PID !== '' && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(1, Math.floor(usec / 2_000));
}
