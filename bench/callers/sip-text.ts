// SIP over UDP as text, as much as the bench's callers need (RFC 3261): read a request or a
// response into its start line, headers and body; write the few messages a caller sends.
// Header names are kept lower-case, compact forms spelled out.

export interface SipMessage {
  /** 'request' with method and uri, or 'response' with status. */
  kind: 'request' | 'response';
  method: string;
  uri: string;
  status: number;
  /** Lower-case full names; a header seen more than once keeps every value in order (Via). */
  headers: Map<string, string[]>;
  body: string;
}

const COMPACT: Record<string, string> = { i: 'call-id', f: 'from', t: 'to', v: 'via', m: 'contact', l: 'content-length', c: 'content-type', k: 'supported' };

export function parseSip(text: string): SipMessage | null {
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 4);
  const lines = head.split('\r\n');
  const start = lines.shift() ?? '';
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const raw = line.slice(0, colon).trim().toLowerCase();
    const name = COMPACT[raw] ?? raw;
    const value = line.slice(colon + 1).trim();
    // A comma-separated Via holds several hops; split it so each hop is echoed on its own line.
    const values = name === 'via' ? value.split(/,(?=\s*SIP\/)/i).map((v) => v.trim()) : [value];
    headers.set(name, [...(headers.get(name) ?? []), ...values]);
  }
  const response = /^SIP\/2\.0 (\d{3})/.exec(start);
  if (response !== null) return { kind: 'response', method: '', uri: '', status: Number(response[1]), headers, body };
  const request = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(start);
  if (request === null) return null;
  return { kind: 'request', method: request[1] ?? '', uri: request[2] ?? '', status: 0, headers, body };
}

export function header(message: SipMessage, name: string): string | undefined {
  return message.headers.get(name)?.[0];
}

/** The method of a CSeq header ("2 BYE" -> "BYE"). */
export function cseqMethod(message: SipMessage): string {
  return (header(message, 'cseq') ?? '').split(/\s+/)[1] ?? '';
}

/** The tag parameter of a From/To value. */
export function tagOf(value: string | undefined): string | null {
  const m = /;\s*tag=([^;>\s]+)/i.exec(value ?? '');
  return m === null ? null : (m[1] ?? null);
}

/** The URI inside a Contact value (`<sip:...>` or bare). */
export function contactUri(value: string | undefined): string | null {
  if (value === undefined) return null;
  const angle = /<([^>]+)>/.exec(value);
  if (angle !== null) return angle[1] ?? null;
  return value.split(';')[0]?.trim() ?? null;
}

/** Where the far end wants our RTP: the audio port and connection address of an SDP body. */
export function sdpAudio(body: string): { host: string; port: number } | null {
  const host = /^c=IN IP4 (\S+)/m.exec(body)?.[1];
  const port = /^m=audio (\d+)/m.exec(body)?.[1];
  return host === undefined || port === undefined ? null : { host, port: Number(port) };
}

/** A message from its start line, headers in order, and body (Content-Length computed). */
export function writeSip(startLine: string, headers: Array<[string, string]>, body = ''): string {
  const lines = [startLine, ...headers.map(([n, v]) => `${n}: ${v}`), `Content-Length: ${Buffer.byteLength(body)}`];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** A response to `request`: its Via, From, To (our tag added when it has none), Call-ID and CSeq. */
export function writeResponse(request: SipMessage, status: number, reason: string, extra: Array<[string, string]>, toTag: string, body = ''): string {
  const to = header(request, 'to') ?? '';
  return writeSip(
    `SIP/2.0 ${status} ${reason}`,
    [
      ...(request.headers.get('via') ?? []).map((v): [string, string] => ['Via', v]),
      ['From', header(request, 'from') ?? ''],
      ['To', tagOf(to) === null ? `${to};tag=${toTag}` : to],
      ['Call-ID', header(request, 'call-id') ?? ''],
      ['CSeq', header(request, 'cseq') ?? ''],
      ...extra,
    ],
    body,
  );
}

/** The caller's offer: PCMU and RFC 4733 telephone-event on payload type 101. */
export function callerSdp(host: string, mediaPort: number, sessionId: number): string {
  return [
    'v=0',
    `o=tollbridge-bench ${sessionId} 1 IN IP4 ${host}`,
    's=-',
    `c=IN IP4 ${host}`,
    't=0 0',
    `m=audio ${mediaPort} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}
