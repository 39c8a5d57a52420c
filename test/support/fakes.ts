// Fakes of the ports in flows/ports.ts: they record what the machines asked for, so machine
// tests run in microseconds and assert on the same effects the ARI adapter would perform.
import { pino, type Logger } from 'pino';
import type {
  CallChannel,
  ConferenceBridges,
  Directory,
  PinCheck,
  PromptPlayback,
  RoomInfo,
  UsageLedger,
} from '../../flows/ports.js';
import type { LegAssignment, LegEndReason, LegOpening } from '../../domain/legs.js';
import type { NumberRoute } from '../../domain/numbers.js';
import { DEFAULT_CALLBACK_ENABLED } from '../../domain/rooms.js';

export const silentLog = pino({ level: 'silent' });

export class FakeChannel implements CallChannel {
  readonly ops: string[] = [];
  private readonly playing: Array<{ channelId: string; sounds: string[]; finish: () => void; stopped: boolean }> = [];

  /** What answer() reports as Asterisk's answer time (null: none reported). */
  answerTime: () => number | null = () => null;

  async answer(channelId: string): Promise<number | null> {
    this.ops.push(`answer ${channelId}`);
    return this.answerTime();
  }
  async reject(channelId: string, cause: string): Promise<void> {
    this.ops.push(`reject ${channelId} ${cause}`);
  }
  async hangup(channelId: string, reason?: LegEndReason): Promise<void> {
    this.ops.push(reason === undefined ? `hangup ${channelId}` : `hangup ${channelId} ${reason}`);
  }
  play(channelId: string, sounds: string[]): PromptPlayback {
    this.ops.push(`play ${channelId} ${sounds.join(',')}`);
    let finish = () => {};
    const finished = new Promise<void>((r) => (finish = r));
    const entry = { channelId, sounds, finish, stopped: false };
    this.playing.push(entry);
    return {
      finished,
      stop: () => {
        entry.stopped = true;
        this.ops.push(`stop ${channelId}`);
        finish();
      },
    };
  }
  speak(channelId: string, language: string): void {
    this.ops.push(`speak ${channelId} ${language}`);
  }
  /** Ends every prompt still playing, as Asterisk's PlaybackFinished would. */
  finishPrompts(): void {
    for (const p of this.playing.splice(0)) p.finish();
  }
  plays(channelId: string): string[] {
    return this.ops.filter((o) => o.startsWith(`play ${channelId} `)).map((o) => o.slice(`play ${channelId} `.length));
  }
}

export class FakeDirectory implements Directory {
  readonly routes = new Map<string, NumberRoute>();
  readonly rooms = new Map<string, RoomInfo>();
  readonly pins = new Map<number, { moderator: string; participant: string }>();
  lookups = 0;

  async routeFor(e164: string): Promise<NumberRoute | null> {
    return this.routes.get(e164) ?? null;
  }
  async findRoom(roomNumber: string): Promise<RoomInfo | null> {
    this.lookups++;
    return this.rooms.get(roomNumber) ?? null;
  }
  async verifyPin(roomId: number, pin: string): Promise<PinCheck> {
    const pins = this.pins.get(roomId);
    if (pins === undefined) return 'invalid';
    if (pin === pins.moderator) return 'moderator';
    if (pin === pins.participant) return 'participant';
    return 'invalid';
  }
}

export class FakeLedger implements UsageLedger {
  readonly opened: LegOpening[] = [];
  readonly assigned: Array<{ channelId: string } & LegAssignment> = [];
  readonly closed: Array<{ channelId: string; endedAt: number; reason?: LegEndReason }> = [];
  async openLeg(leg: LegOpening): Promise<void> {
    this.opened.push(leg);
  }
  async assign(channelId: string, a: LegAssignment): Promise<void> {
    this.assigned.push({ channelId, ...a });
  }
  async closeLeg(channelId: string, endedAt: number, reason?: LegEndReason): Promise<void> {
    this.closed.push(reason === undefined ? { channelId, endedAt } : { channelId, endedAt, reason });
  }
}

/** Records bridge operations; each can be held open to test what happens meanwhile. */
export class FakeBridges implements ConferenceBridges {
  readonly ops: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  delayMs = 0;

  private async record(op: string): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.ops.push(op);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    this.inFlight--;
  }
  admitLive(room: string, ids: string[], stayMuted: readonly string[] = []): Promise<void> {
    return this.record(`live ${room} ${ids.join(',')}${stayMuted.length > 0 ? ` muted ${stayMuted.join(',')}` : ''}`);
  }
  hold(room: string, ids: string[], prompt: string | null): Promise<void> {
    return this.record(`hold ${room} ${ids.join(',')} ${prompt ?? '-'}`);
  }
  dismiss(ids: string[], prompt: string, reason: LegEndReason): Promise<void> {
    return this.record(`dismiss ${ids.join(',')} ${prompt} ${reason}`);
  }
  release(room: string): Promise<void> {
    return this.record(`release ${room}`);
  }
}

export function roomInfo(over: Partial<RoomInfo> = {}): RoomInfo {
  return {
    id: 1,
    number: '11331134',
    accountId: 7,
    language: 'en',
    onModeratorLeave: 'continue',
    locked: false,
    maxParticipants: 50,
    pinsSet: true,
    callbackEnabled: DEFAULT_CALLBACK_ENABLED,
    ...over,
  };
}

/** Lets queued promise callbacks run (machines await their injected effects). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

/** A logger at `level` that keeps each line's message, to assert on what was logged. */
export function messageLog(level: 'info' | 'warn'): { log: Logger; messages: string[] } {
  const messages: string[] = [];
  const log = pino({ level }, {
    write: (line: string) => {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed === 'object' && parsed !== null && 'msg' in parsed) messages.push(String(parsed.msg));
    },
  });
  return { log, messages };
}
