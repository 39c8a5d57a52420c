// The callers' audio: every answered call sends one RTP packet per 20 ms, as a phone does:
// first its script (pauses and RFC 4733 keys, built by sipp/rtp-pcap.ts exactly as the SIPp
// callers send them), then PCMU silence for as long as it stays. One timer for all calls; a
// call whose packets fell behind (the timer fired late) catches up, so its timestamps and
// Asterisk's view of the caller's clock stay true.
import type dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { ULAW_SILENCE } from '../../sipp/g711.js';
import { buildRtpStream, PACKET_MS, PT_PCMU, type RtpPacket, type Step } from '../../sipp/rtp-pcap.js';

const SAMPLES_PER_PACKET = 160;
const SILENCE = Buffer.alloc(SAMPLES_PER_PACKET, ULAW_SILENCE);

export interface RtpTarget {
  host: string;
  port: number;
}

interface Stream {
  target: RtpTarget;
  startedAt: number;
  script: RtpPacket[];
  sent: number;
  ssrc: number;
  sequenceBase: number;
  timestampBase: number;
}

export class RtpClock {
  private readonly streams = new Map<string, Stream>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly socket: dgram.Socket,
    private readonly now: () => number = () => performance.timeOrigin + performance.now(),
  ) {}

  start(callId: string, target: RtpTarget, steps: Step[]): void {
    this.streams.set(callId, {
      target,
      startedAt: this.now(),
      script: buildRtpStream(steps),
      sent: 0,
      ssrc: randomInt(1, 2 ** 32 - 1),
      sequenceBase: randomInt(0, 0x10000),
      timestampBase: randomInt(0, 2 ** 31),
    });
    this.timer ??= setInterval(() => this.tick(), PACKET_MS);
  }

  /** A re-INVITE may move the far end's media. */
  retarget(callId: string, target: RtpTarget): void {
    const stream = this.streams.get(callId);
    if (stream !== undefined) stream.target = target;
  }

  stop(callId: string): void {
    this.streams.delete(callId);
    if (this.streams.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  close(): void {
    this.streams.clear();
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    const now = this.now();
    for (const stream of this.streams.values()) {
      const due = Math.floor((now - stream.startedAt) / PACKET_MS);
      while (stream.sent <= due) {
        this.socket.send(packet(stream, stream.sent), stream.target.port, stream.target.host);
        stream.sent++;
      }
    }
  }
}

function packet(stream: Stream, index: number): Buffer {
  const scripted = stream.script[index];
  const payloadType = scripted?.payloadType ?? PT_PCMU;
  const payload = scripted?.payload ?? SILENCE;
  // Scripted packets carry their own timestamps (one per key event); silence follows the slot.
  const timestamp = scripted?.timestamp ?? index * SAMPLES_PER_PACKET;
  const out = Buffer.allocUnsafe(12 + payload.length);
  out[0] = 0x80;
  out[1] = (scripted?.marker === true ? 0x80 : 0) | payloadType;
  out.writeUInt16BE((stream.sequenceBase + index) & 0xffff, 2);
  out.writeUInt32BE((stream.timestampBase + timestamp) >>> 0, 4);
  out.writeUInt32BE(stream.ssrc >>> 0, 8);
  payload.copy(out, 12);
  return out;
}
