// The API's one error: a status, a stable code, a message, and (for a refused input) the
// fields at fault. Answered as {"error":{"code","message"[,"fields"]}} (api/http.ts).
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    /** The request fields the error is about (a refused input), e.g. ["lockd"]. */
    readonly fields: readonly string[] = [],
  ) {
    super(message);
  }
}
