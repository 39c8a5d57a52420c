// The callback desk: where waiting participants' callbacks are booked (a room's key 7,
// flows/room-callbacks.ts) and, when the room's moderator arrives, dialled through the outbound
// trunk. An answered callback enters the Stasis app as a call of its own, which claims its
// booking here (flows/call/journey.ts `callingBack`) and joins the room as a participant without
// the PIN. Rules kept here: one booking per number and room; good only within the maximum wait
// from when the caller began to wait; a callback nobody answers within the answer time (30 s by
// default) is given up; the number dialled is the booking's, the waiting caller's own.
// Bookings live in this process's memory: a restart of the app forgets them (README, Not yet).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { CallbackPolicy } from '../../domain/callback.js';
import type { CallbackDesk } from '../../flows/room-operations.js';
import type { CallbackBooking } from '../../flows/room-context.js';
import type { CallbackClaims, CallbackDialer, ClaimedCallback, Directory } from '../../flows/ports.js';

interface Booked extends CallbackBooking {
  room: string;
}

export interface CallbackDeskOptions {
  policy: CallbackPolicy;
  /** TOLLBRIDGE_MAX_MODERATOR_WAIT_S in ms (0: no limit). */
  maxWaitMs: number;
  dialer: CallbackDialer;
  directory: Pick<Directory, 'routeFor' | 'findRoom'>;
  log: Logger;
  now?: () => number;
  /** Timers (tests pass their own); default setTimeout. */
  schedule?: (ms: number, run: () => void) => () => void;
}

/** After the answer time, how much longer a dialled callback may take to claim its booking. */
const CLAIM_MARGIN_MS = 10_000;

export class Callbacks implements CallbackDesk, CallbackClaims {
  /** Bookings not dialled yet, by room. */
  private readonly booked = new Map<string, Booked[]>();
  /** Callbacks dialled and not yet answered, by id. */
  private readonly ringing = new Map<string, { booking: Booked; giveUp: () => void }>();
  private readonly now: () => number;
  private readonly schedule: (ms: number, run: () => void) => () => void;

  constructor(private readonly o: CallbackDeskOptions) {
    this.now = o.now ?? Date.now;
    this.schedule = o.schedule ?? ((ms, run) => {
      const timer = setTimeout(run, ms);
      return () => clearTimeout(timer);
    });
  }

  book(room: string, booking: CallbackBooking): void {
    const list = this.booked.get(room) ?? [];
    // A number already booked or ringing for this room is not booked twice.
    if (list.some((b) => b.number === booking.number) || [...this.ringing.values()].some((r) => r.booking.room === room && r.booking.number === booking.number)) {
      this.o.log.info({ room, channelId: booking.channelId }, 'callback already booked for this number: not booked again');
      return;
    }
    this.booked.set(room, [...list, { ...booking, room }]);
    this.o.log.info({ room, channelId: booking.channelId }, 'callback booked: dialled when the moderator arrives');
  }

  /** Bookings waiting for the room's moderator (tests, the live view). */
  bookedFor(room: string): readonly CallbackBooking[] {
    return this.booked.get(room) ?? [];
  }

  get ringingCount(): number {
    return this.ringing.size;
  }

  place(room: string): void {
    const list = this.booked.get(room);
    if (list === undefined) return;
    this.booked.delete(room);
    for (const booking of list) {
      if (this.expired(booking)) {
        this.o.log.info({ room, channelId: booking.channelId }, 'callback past the maximum wait: not dialled');
        continue;
      }
      this.dial(booking);
    }
  }

  private expired(booking: Booked): boolean {
    return this.o.maxWaitMs > 0 && booking.waitingSince !== null && this.now() > booking.waitingSince + this.o.maxWaitMs;
  }

  private dial(booking: Booked): void {
    const id = randomUUID();
    const timeoutMs = this.o.policy.answerTimeoutMs;
    const giveUp = this.schedule(timeoutMs + CLAIM_MARGIN_MS, () => {
      if (!this.ringing.delete(id)) return;
      this.o.log.info({ room: booking.room, callback: id }, 'callback not answered: given up');
    });
    this.ringing.set(id, { booking, giveUp });
    this.o.log.info({ room: booking.room, callback: id, waitingCall: booking.channelId }, 'dialling a callback');
    this.o.dialer.dial({ id, number: booking.number, callerId: booking.dialled, timeoutMs }).catch((err: unknown) => {
      giveUp();
      this.ringing.delete(id);
      this.o.log.warn({ err, room: booking.room, callback: id }, 'callback could not be dialled: given up');
    });
  }

  /**
   * The answered callback call's booking, taken once (null: unknown, given up, or taken already;
   * or its room or its number's route is gone meanwhile).
   */
  async claim(id: string): Promise<ClaimedCallback | null> {
    const ringing = this.ringing.get(id);
    if (ringing === undefined) return null;
    this.ringing.delete(id);
    ringing.giveUp();
    const { booking } = ringing;
    const [room, route] = await Promise.all([this.o.directory.findRoom(booking.room), this.o.directory.routeFor(booking.dialled)]);
    if (room === null || route === null) {
      this.o.log.warn({ room: booking.room, callback: id, roomFound: room !== null, routeFound: route !== null }, 'callback answered but its room or number is gone: hung up');
      return null;
    }
    return { room, number: booking.number, route };
  }
}
