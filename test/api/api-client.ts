// A small HTTP client for the API tests: JSON in, status/json/text/headers out.
export interface ApiResponse {
  status: number;
  json: { error?: { code: string } } & Record<string, unknown>;
  text: string;
  headers: Headers;
}

export async function apiCall(base: string, method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
  const res = await fetch(base + path, {
    method,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  let json: ApiResponse['json'] = {};
  try {
    json = JSON.parse(text) as ApiResponse['json'];
  } catch {
    // CSV or empty
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** Pino's output, kept for assertions. */
export class LogSink {
  readonly lines: Array<Record<string, unknown>> = [];
  write(line: string): void {
    this.lines.push(JSON.parse(line) as Record<string, unknown>);
  }
  get text(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }
}
