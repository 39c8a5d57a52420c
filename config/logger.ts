// One pino logger for the process. PINs and secrets must never reach it: the redact list is a
// second line of defence behind simply never passing them. Caller numbers are personal data
// (encrypted at rest in the database): a log line keeps only their last two digits, enough to
// tell two callers apart in one incident, not to call anyone back.
import { pino, type Logger } from 'pino';

export type { Logger };

const SECRET_PATHS = ['pin', '*.pin', 'digits', '*.digits', 'password', '*.password', 'secret', '*.secret'];
const CALLER_PATHS = ['callerNumber', '*.callerNumber', 'record.leg.callerNumber'];

/** '+15551234567' → '…67'; nothing to mask stays as it is. */
export function maskCallerNumber(value: unknown): unknown {
  if (typeof value !== 'string' || value === '' || value === 'anonymous') return value;
  return `…${value.slice(-2)}`;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { app: 'tollbridge' },
    redact: {
      paths: [...SECRET_PATHS, ...CALLER_PATHS],
      censor: (value, path) => (path[path.length - 1] === 'callerNumber' ? maskCallerNumber(value) : '[redacted]'),
    },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
