// A service the bridge cannot do its job without (the database, Asterisk, ARI) is unavailable:
// at start, or for good while running. The CLI exits 69 (EX_UNAVAILABLE) with this message, so
// a supervisor (systemd, a container runtime) sees a failure and can restart or alert.
export type NeededService = 'database' | 'Asterisk' | 'ARI';

export class ServiceUnavailableError extends Error {
  readonly code = 'ServiceUnavailable';

  constructor(
    readonly service: NeededService,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ServiceUnavailableError';
  }
}

/** The message of whatever was thrown, for a one-line explanation. */
export function reasonOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // Node's AggregateError (e.g. every address of a host refused) has an empty message.
  const code = (err as { code?: unknown }).code;
  return err.message !== '' ? err.message : typeof code === 'string' ? code : err.name;
}
