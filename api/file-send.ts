// A file from disk as an HTTP response, by `send` (the library behind express.static), so a
// player can seek and a download resume: Range (206 with Content-Range; 416 for a range past the
// end), ETag and Last-Modified with conditional requests (304 on If-None-Match or
// If-Modified-Since, 412 on a failed If-Match, If-Range), HEAD (the headers, no body). The file
// is streamed, never read into memory whole. What send refuses comes back to the router, which
// answers in the API's error shape.
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

/** Why the file was not sent, in the terms of the API's errors. */
export interface SendRefusal {
  status: number;
  code: string;
  message: string;
  headers: Record<string, string>;
  /** send's own error, for the log when it is not the client's doing (a 500). */
  cause: unknown;
  /** True when it failed after the response began (a read error mid-file): only cutting the connection is left. */
  started: boolean;
}

const REFUSALS: Record<number, { code: string; message: string }> = {
  404: { code: 'FileMissing', message: 'the file is not on this server' },
  412: { code: 'PreconditionFailed', message: 'the file is not the one the request\'s If-Match or If-Unmodified-Since names' },
  416: { code: 'RangeNotSatisfiable', message: 'the requested range is not within the file (see Content-Range for its size)' },
};

function refusalOf(err: unknown, started: boolean): SendRefusal {
  const status = typeof err === 'object' && err !== null && 'status' in err && typeof err.status === 'number' ? err.status : 500;
  const raw = typeof err === 'object' && err !== null && 'headers' in err && typeof err.headers === 'object' && err.headers !== null ? err.headers : {};
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) if (typeof value === 'string') headers[name.toLowerCase()] = value;
  const known = REFUSALS[status] ?? { code: 'Internal', message: 'internal error; see the server log' };
  return { status: REFUSALS[status] === undefined ? 500 : status, ...known, headers, cause: err, started };
}

/**
 * Sends `file` with `headers` (the router's, the reply's Content-Type and Content-Disposition),
 * answering `req` as send decides. Resolves when the response is done: null, or why send refused
 * (nothing of the response written then, unless `started`).
 */
export async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, headers: Record<string, string>): Promise<SendRefusal | null> {
  // Loaded on the first file, not at start: every CLI command imports the API's routes.
  const { default: send } = await import('send');
  return new Promise((resolve) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    // The folder is the root and the name the path, %-encoded: send decodes paths, and refuses
    // or hides names with '..' or a leading dot, which a file we chose may well have.
    const stream = send(req, `/${encodeURIComponent(path.basename(file))}`, {
      root: path.dirname(file),
      dotfiles: 'allow',
      index: false,
      extensions: false,
      // The router's Cache-Control stays (no-store): the ETag still serves range and conditional requests.
      cacheControl: false,
    });
    stream.on('error', (err: unknown) => {
      const started = res.headersSent;
      // With an error listener send writes nothing: the file's headers go, the router answers.
      if (!started) for (const name of res.getHeaderNames()) res.removeHeader(name);
      resolve(refusalOf(err, started));
    });
    res.on('finish', () => resolve(null));
    res.on('close', () => resolve(null));
    stream.pipe(res);
  });
}
