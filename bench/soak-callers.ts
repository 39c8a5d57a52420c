// Simulated callers for the soak bench: each dials a room's number on the fake Asterisk, types
// the room number and PIN at the first prompt, waits until it is in the conference, stays, and
// hangs up. One round: every room at once gets its moderator first, then its participants
// together; once all are in, the participants leave, then the moderator (last).
import type { FakeAri } from './fake-ari.js';
import { SOAK_MODERATOR_PIN, SOAK_PARTICIPANT_PIN, type SoakRoom } from './soak-app.js';

/** A caller not in the conference by then is a failure of the run (the app is stuck or refused it). */
const JOIN_TIMEOUT_MS = 30_000;

/** A caller the app never put in the conference. */
export class StuckCall extends Error {
  constructor(
    message: string,
    readonly channelId: string,
  ) {
    super(message);
    this.name = 'StuckCall';
  }
}

export class SoakCallers {
  private readonly keysAtPrompt = new Map<string, string>();
  private readonly waitingToEnter = new Map<string, () => void>();
  private seq = 0;
  callsPlaced = 0;

  constructor(
    private readonly ari: FakeAri,
    /** Whether the app still runs a call machine for the channel. */
    private readonly appHas: (channelId: string) => boolean,
  ) {
    ari.listener = {
      played: (channelId) => this.typeKeys(channelId),
      entered: (channelId, bridgeId) => {
        if (!bridgeId.startsWith('tollbridge-live-')) return;
        this.waitingToEnter.get(channelId)?.();
        this.waitingToEnter.delete(channelId);
      },
    };
  }

  /** Keys typed ahead at the first prompt (the IVR keeps them), one event each. */
  private typeKeys(channelId: string): void {
    const keys = this.keysAtPrompt.get(channelId);
    if (keys === undefined) return;
    this.keysAtPrompt.delete(channelId);
    for (const key of keys) this.ari.key(channelId, key);
  }

  /** A call into the room that resolves with its channel once it is in the live conference. */
  async join(room: SoakRoom, role: 'moderator' | 'participant'): Promise<string> {
    this.seq++;
    this.callsPlaced++;
    const caller = `+1555${String(this.seq % 10_000_000).padStart(7, '0')}`;
    // The conference is entered asynchronously (after prompts and REST round trips): nothing is missed by listening after the call.
    const channelId = this.ari.call(room.dialled, caller);
    this.keysAtPrompt.set(channelId, `${room.number}#${role === 'moderator' ? SOAK_MODERATOR_PIN : SOAK_PARTICIPANT_PIN}#`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new StuckCall(`a ${role} of room ${room.number} (channel ${channelId}) was not in the conference within ${JOIN_TIMEOUT_MS} ms`, channelId)), JOIN_TIMEOUT_MS);
      timer.unref();
      this.waitingToEnter.set(channelId, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return channelId;
  }

  /** Hangs the callers up and resolves once the app has finished their calls. */
  async leave(channelIds: string[]): Promise<void> {
    for (const channelId of channelIds) this.ari.hangUp(channelId);
    while (channelIds.some((id) => this.appHas(id))) await new Promise((r) => setTimeout(r, 5));
  }

  /**
   * One round in every room at once: moderator in, participants in, then (after `stayMs`, and
   * after `allIn` resolves when given: a measurement of the full rooms) participants out,
   * moderator out. A caller the app never put in the conference is hung up and counted
   * (`stuck`), and the round goes on: the soak measures memory, and reports these apart.
   */
  async round(rooms: SoakRoom[], roomSize: number, stayMs: number, allIn?: () => Promise<void>): Promise<void> {
    const full = await Promise.all(
      rooms.map(async (room) => {
        const moderator = await this.joinOrGiveUp(room, 'moderator');
        if (moderator === null) return { moderator: null, participants: [] };
        const participants = await Promise.all(Array.from({ length: roomSize - 1 }, () => this.joinOrGiveUp(room, 'participant')));
        return { moderator, participants: participants.filter((id): id is string => id !== null) };
      }),
    );
    if (stayMs > 0) await new Promise((r) => setTimeout(r, stayMs));
    await allIn?.();
    await Promise.all(
      full.map(async ({ moderator, participants }) => {
        await this.leave(participants);
        if (moderator !== null) await this.leave([moderator]);
      }),
    );
  }

  /** Callers the app did not put in the conference in time (hung up by the soak, or by the app). */
  readonly stuck: StuckCall[] = [];

  private async joinOrGiveUp(room: SoakRoom, role: 'moderator' | 'participant'): Promise<string | null> {
    try {
      return await this.join(room, role);
    } catch (err) {
      if (!(err instanceof StuckCall)) throw err;
      this.stuck.push(err);
      await this.leave([err.channelId]);
      return null;
    }
  }
}
