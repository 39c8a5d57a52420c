// Writes the caller's whole RTP stream for one call as a libpcap file that SIPp's
// play_pcap_audio replays. Every 20 ms carries one packet: PCMU audio (silence or a tone) or
// an RFC 4733 telephone-event. Sequence numbers and timestamps only go up across the file:
// the stock one-digit captures restart them per digit, and Asterisk then drops a repeated or
// lower digit as a duplicate (ASTERISK.md). A continuous stream also keeps Asterisk's idea of
// the caller's clock steady between keys.
import { linearToUlaw, ULAW_SILENCE } from './g711.js';

export type Step =
  | { digits: string }
  | { pauseMs: number }
  | { silenceMs: number }
  | { toneHz: number; ms: number };

export const PACKET_MS = 20;
const SAMPLES_PER_PACKET = 160; // 8 kHz
/**
 * Each key: a 100 ms tone, then a gap of at least 150 ms rounded up to whole 20 ms packets (the
 * three end packets and PCMU silence). Presses shorter than ~60 ms were seen reported twice.
 */
export const KEY_TONE_MS = 100;
export const KEY_GAP_MS = 160;
export const PT_PCMU = 0;
export const PT_EVENT = 101;
const END_PACKETS = 3;
const TONE_AMPLITUDE = 8000;

const EVENT_CODES: Record<string, number> = { '*': 10, '#': 11, A: 12, B: 13, C: 14, D: 15 };

export function eventCode(key: string): number {
  if (/^[0-9]$/.test(key)) return Number(key);
  const code = EVENT_CODES[key.toUpperCase()];
  if (code === undefined) throw new Error(`"${key}" is not a DTMF key (0-9, *, #, A-D)`);
  return code;
}

export interface RtpPacket {
  /** Milliseconds from the start of the stream. */
  atMs: number;
  payloadType: number;
  marker: boolean;
  sequence: number;
  timestamp: number;
  payload: Buffer;
}

export interface StreamLength {
  /** Silence after the steps until the stream is this long: a caller in a room keeps sending RTP (Asterisk's rtp_timeout). */
  lengthMs?: number;
  /** No packet at or after this time: a caller whose RTP stops (a lost call) while it stays in the dialog. */
  stopAtMs?: number;
}

/** The packets of a script, in order; pure, so tests can check the stream without a file. */
export function buildRtpStream(steps: Step[], length: StreamLength = {}): RtpPacket[] {
  const packets: RtpPacket[] = [];
  let slot = 0; // 20 ms slots since the start
  let phase = 0;
  const push = (payloadType: number, marker: boolean, timestamp: number, payload: Buffer) => {
    packets.push({ atMs: slot * PACKET_MS, payloadType, marker, sequence: packets.length & 0xffff, timestamp: timestamp >>> 0, payload });
    slot++;
  };
  const silence = (ms: number) => {
    for (let i = 0; i < Math.ceil(ms / PACKET_MS); i++) push(PT_PCMU, false, slot * SAMPLES_PER_PACKET, Buffer.alloc(SAMPLES_PER_PACKET, ULAW_SILENCE));
  };
  const tone = (hz: number, ms: number) => {
    for (let i = 0; i < Math.ceil(ms / PACKET_MS); i++) {
      const payload = Buffer.alloc(SAMPLES_PER_PACKET);
      for (let n = 0; n < SAMPLES_PER_PACKET; n++) {
        payload[n] = linearToUlaw(TONE_AMPLITUDE * Math.sin(phase));
        phase += (2 * Math.PI * hz) / 8000;
      }
      push(PT_PCMU, false, slot * SAMPLES_PER_PACKET, payload);
    }
  };
  const key = (k: string) => {
    const code = eventCode(k);
    const start = slot * SAMPLES_PER_PACKET; // one timestamp for the whole event
    const tonePackets = KEY_TONE_MS / PACKET_MS;
    const duration = tonePackets * SAMPLES_PER_PACKET;
    for (let i = 1; i <= tonePackets; i++) push(PT_EVENT, i === 1, start, eventPayload(code, false, i * SAMPLES_PER_PACKET));
    for (let i = 0; i < END_PACKETS; i++) push(PT_EVENT, false, start, eventPayload(code, true, duration));
    silence(KEY_GAP_MS - END_PACKETS * PACKET_MS);
  };
  for (const step of steps) {
    if ('digits' in step) for (const k of step.digits) key(k);
    else if ('pauseMs' in step) silence(step.pauseMs);
    else if ('silenceMs' in step) silence(step.silenceMs);
    else tone(step.toneHz, step.ms);
  }
  if (length.lengthMs !== undefined && length.lengthMs > slot * PACKET_MS) silence(length.lengthMs - slot * PACKET_MS);
  const stopAt = length.stopAtMs;
  return stopAt === undefined ? packets : packets.filter((p) => p.atMs < stopAt);
}

function eventPayload(code: number, end: boolean, duration: number): Buffer {
  const b = Buffer.alloc(4);
  b[0] = code;
  b[1] = (end ? 0x80 : 0) | 10; // E bit, volume -10 dBm0
  b.writeUInt16BE(Math.min(duration, 0xffff), 2);
  return b;
}

const IP = [127, 0, 0, 1];

/** The packets as a libpcap file (Ethernet, IPv4, UDP, RTP). SIPp rewrites addresses and ports. */
export function toPcap(packets: RtpPacket[], ssrc = 0x7011b71d): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  const chunks: Buffer[] = [header];
  for (const p of packets) {
    const rtp = Buffer.alloc(12);
    rtp[0] = 0x80;
    rtp[1] = (p.marker ? 0x80 : 0) | p.payloadType;
    rtp.writeUInt16BE(p.sequence, 2);
    rtp.writeUInt32BE(p.timestamp, 4);
    rtp.writeUInt32BE(ssrc, 8);
    const udpLen = 8 + rtp.length + p.payload.length;
    const ipLen = 20 + udpLen;
    const frame = Buffer.alloc(14 + ipLen);
    frame.writeUInt16BE(0x0800, 12);
    const ip = frame.subarray(14, 34);
    ip[0] = 0x45;
    ip.writeUInt16BE(ipLen, 2);
    ip[8] = 64;
    ip[9] = 17;
    IP.forEach((o, i) => {
      ip[12 + i] = o;
      ip[16 + i] = o;
    });
    ip.writeUInt16BE(ipChecksum(ip), 10);
    const udp = frame.subarray(34, 42);
    udp.writeUInt16BE(4000, 0);
    udp.writeUInt16BE(6000, 2);
    udp.writeUInt16BE(udpLen, 4);
    rtp.copy(frame, 42);
    p.payload.copy(frame, 54);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(Math.floor(p.atMs / 1000), 0);
    rec.writeUInt32LE((p.atMs % 1000) * 1000, 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    chunks.push(rec, frame);
  }
  return Buffer.concat(chunks);
}

function ipChecksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** Reads back RTP packets from a pcap written by toPcap (for tests and diagnostics). */
export function readPcap(file: Buffer): RtpPacket[] {
  const out: RtpPacket[] = [];
  let off = 24;
  while (off + 16 <= file.length) {
    const sec = file.readUInt32LE(off);
    const usec = file.readUInt32LE(off + 4);
    const len = file.readUInt32LE(off + 8);
    const frame = file.subarray(off + 16, off + 16 + len);
    const rtp = frame.subarray(42);
    out.push({
      atMs: sec * 1000 + usec / 1000,
      payloadType: (rtp[1] ?? 0) & 0x7f,
      marker: ((rtp[1] ?? 0) & 0x80) !== 0,
      sequence: rtp.readUInt16BE(2),
      timestamp: rtp.readUInt32BE(4),
      payload: Buffer.from(rtp.subarray(12)),
    });
    off += 16 + len;
  }
  return out;
}
