// One pino logger for the process. PINs and secrets must never reach it: the redact list is a
// second line of defence behind simply never passing them.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { app: 'tollbridge' },
    redact: { paths: ['pin', '*.pin', 'digits', '*.digits', 'password', '*.password', 'secret', '*.secret'], censor: '[redacted]' },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
