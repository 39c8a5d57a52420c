// Resolves on the first stop signal: the long-running commands then shut down in order.
//   SIGINT, SIGTERM  stop: refuse new calls, drain the others, stop Asterisk
//   SIGUSR2          hand over (a restart for an upgrade): leave the calls and Asterisk up for
//                    the next `tollbridge start`, which attaches and picks them up
import type { Logger } from 'pino';

export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGUSR2';

export function untilStopSignal(log: Logger): Promise<StopSignal> {
  return new Promise<StopSignal>((resolve) => {
    const stop = (signal: StopSignal) => {
      log.info({ signal }, signal === 'SIGUSR2' ? 'handing over: calls stay up for the next start' : 'stopping');
      resolve(signal);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGUSR2', () => stop('SIGUSR2'));
  });
}
