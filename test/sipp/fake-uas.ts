// A scripted SIP UAS on loopback UDP, for testing the SIPp caller without Asterisk: it answers
// (or rejects) the INVITE, sends in-dialog requests (re-INVITE, OPTIONS, INFO, NOTIFY, UPDATE,
// BYE) and records every message and every RTP packet the caller sends.
import dgram from 'node:dgram';
import { randomUUID } from 'node:crypto';

export interface SipMessage {
  firstLine: string;
  headers: Map<string, string>;
  body: string;
}

export function parseSip(text: string): SipMessage {
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const [firstLine = '', ...lines] = head.split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { firstLine, headers, body };
}

export interface RtpSeen {
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  payload: Buffer;
}

export type UasAnswer = { status: 200 } | { status: number; reason: string };

export class FakeUas {
  readonly received: SipMessage[] = [];
  readonly rtp: RtpSeen[] = [];
  private readonly sip = dgram.createSocket('udp4');
  private readonly media = dgram.createSocket('udp4');
  private peer: { address: string; port: number } | undefined;
  private invite: SipMessage | undefined;
  readonly tag = randomUUID().slice(0, 8);
  private cseq = 100;
  private waiters: { match: (m: SipMessage) => boolean; resolve: (m: SipMessage) => void }[] = [];

  constructor(private readonly answer: UasAnswer) {}

  async listen(): Promise<{ sipPort: number }> {
    await new Promise<void>((r) => this.sip.bind(0, '127.0.0.1', r));
    await new Promise<void>((r) => this.media.bind(0, '127.0.0.1', r));
    this.media.on('message', (b) => {
      this.rtp.push({ payloadType: (b[1] ?? 0) & 0x7f, marker: ((b[1] ?? 0) & 0x80) !== 0, sequence: b.readUInt16BE(2), timestamp: b.readUInt32BE(4), payload: b.subarray(12) });
    });
    this.sip.on('message', (b, rinfo) => this.onMessage(parseSip(b.toString()), rinfo));
    return { sipPort: this.sip.address().port };
  }

  close(): void {
    this.sip.close();
    this.media.close();
  }

  /** Resolves with the next received message that matches (or one already received). */
  next(match: (m: SipMessage) => boolean, after = 0): Promise<SipMessage> {
    const found = this.received.slice(after).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  private onMessage(m: SipMessage, rinfo: dgram.RemoteInfo): void {
    this.received.push(m);
    for (const w of this.waiters.filter((w) => w.match(m))) {
      this.waiters = this.waiters.filter((x) => x !== w);
      w.resolve(m);
    }
    if (m.firstLine.startsWith('INVITE ') && this.invite === undefined) {
      this.invite = m;
      this.peer = { address: rinfo.address, port: rinfo.port };
      this.respond(m, 100, 'Trying');
      if (this.answer.status === 200) this.respond(m, 200, 'OK', this.sdp());
      else this.respond(m, this.answer.status, 'reason' in this.answer ? this.answer.reason : 'Rejected');
    } else if (m.firstLine.startsWith('BYE ')) {
      this.respond(m, 200, 'OK');
    }
  }

  private sdp(): string {
    return ['v=0', 'o=uas 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', `m=audio ${this.media.address().port} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=sendrecv', ''].join('\r\n');
  }

  private send(text: string): void {
    if (this.peer === undefined) throw new Error('no peer yet');
    this.sip.send(text, this.peer.port, this.peer.address);
  }

  private respond(req: SipMessage, status: number, reason: string, body = ''): void {
    const h = (n: string) => req.headers.get(n) ?? '';
    const to = status > 100 && !h('to').includes(';tag=') ? `${h('to')};tag=${this.tag}` : h('to');
    const lines = [`SIP/2.0 ${status} ${reason}`, `Via: ${h('via')}`, `From: ${h('from')}`, `To: ${to}`, `Call-ID: ${h('call-id')}`, `CSeq: ${h('cseq')}`, `Contact: <sip:uas@127.0.0.1:${this.sip.address().port}>`];
    if (body !== '') lines.push('Content-Type: application/sdp');
    lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '', body);
    this.send(lines.join('\r\n'));
  }

  /** Sends an in-dialog request to the caller and resolves with its final response. */
  async request(method: string, extra: string[] = [], body = ''): Promise<SipMessage> {
    const inv = this.invite;
    if (inv === undefined) throw new Error('no dialog');
    const contact = /<([^>]+)>/.exec(inv.headers.get('contact') ?? '')?.[1] ?? '';
    const cseq = ++this.cseq;
    const branch = `z9hG4bK-${randomUUID()}`;
    const lines = [
      `${method} ${contact} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${this.sip.address().port};branch=${branch}`,
      `From: ${inv.headers.get('to') ?? ''};tag=${this.tag}`,
      `To: ${inv.headers.get('from') ?? ''}`,
      `Call-ID: ${inv.headers.get('call-id') ?? ''}`,
      `CSeq: ${cseq} ${method}`,
      `Contact: <sip:uas@127.0.0.1:${this.sip.address().port}>`,
      'Max-Forwards: 70',
      ...extra,
    ];
    if (body !== '') lines.push('Content-Type: application/sdp');
    lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '', body);
    const from = this.received.length;
    this.send(lines.join('\r\n'));
    const res = await this.next((m) => m.firstLine.startsWith('SIP/2.0 ') && !m.firstLine.startsWith('SIP/2.0 1') && m.headers.get('cseq') === `${cseq} ${method}`, from);
    if (method === 'INVITE') {
      this.send([`ACK ${contact} SIP/2.0`, `Via: SIP/2.0/UDP 127.0.0.1:${this.sip.address().port};branch=z9hG4bK-${randomUUID()}`, `From: ${inv.headers.get('to') ?? ''};tag=${this.tag}`, `To: ${res.headers.get('to') ?? ''}`, `Call-ID: ${inv.headers.get('call-id') ?? ''}`, `CSeq: ${cseq} ACK`, 'Max-Forwards: 70', 'Content-Length: 0', '', ''].join('\r\n'));
    }
    return res;
  }

  reInviteSdp(): string {
    return this.sdp();
  }
}
