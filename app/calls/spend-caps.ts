// Rooms' monthly spend caps on the bridge (issue 25; the rule: domain/spend-cap.ts):
//  - the SpendCapCheck port the call machines ask before a caller enters (flows/call/journey.ts
//    spendCheck): a room without a cap costs no query (its row is held in memory);
//  - the owner's one e-mail a month once the room is at 80 % or more: one conditional UPDATE
//    decides which process sends it (db rooms.claimSpendWarning), so every bridge on the
//    database together sends exactly one;
//  - the watch: every SPEND_WATCH_MS, and at each entry, the rooms this bridge has callers in
//    with a cap; a room at its cap with a grace has its conference ended once the grace has
//    passed (the room operation POST /room/live/end uses). Without a grace calls finish.
import type { Logger } from 'pino';
import type { Database, Room } from '../../db/index.js';
import { formatMoney, roundToCents } from '../../domain/money.js';
import type { SpendLevel } from '../../domain/spend-cap.js';
import type { RoomInfo, SpendCapCheck } from '../../flows/ports.js';
import type { RoomControl } from '../../flows/room-controls.js';
import type { Mailer } from '../accounts/mailer.js';
import { roomSpend, type RoomSpend } from '../accounts/room-spend.js';

/** How often the watch reads the spend of the rooms with callers. */
export const SPEND_WATCH_MS = 30_000;
/** Who ends a conference at its cap, as the room's controls name it. */
export const SPEND_CAP_SOURCE = 'spend-cap';

/** The bridge's rooms, as the watch needs them (flows/room-registry.ts). */
export interface CappedRooms {
  /** Rooms with a machine in this process (someone in them). */
  roomNumbers(): string[];
  control(roomNumber: string, control: RoomControl): boolean;
}

export interface SpendCapsOptions {
  now?: () => number;
  watchMs?: number;
}

const money = (micros: number) => formatMoney(roundToCents(micros), 2);

export class SpendCaps implements SpendCapCheck {
  private rooms: CappedRooms | null = null;
  private watchTimer: NodeJS.Timeout | null = null;
  /** Per room at its cap with a grace: since when this process saw it there, and the timer for the grace's end. */
  private readonly reached = new Map<string, { since: number; timer: NodeJS.Timeout }>();
  /** Per room id: the month whose warning is settled (sent here or by another process). */
  private readonly warned = new Map<number, string>();
  private readonly now: () => number;

  constructor(
    private readonly db: Database,
    private readonly mailer: Mailer | null,
    private readonly log: Logger,
    private readonly options: SpendCapsOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  async levelOf(info: RoomInfo): Promise<SpendLevel> {
    const room = await this.db.rooms.findByNumber(info.number);
    if (room === null || room.spendCap === null) return 'under';
    const spend = await roomSpend(this.db, room, this.now());
    this.heard(room, spend);
    return spend.level;
  }

  /** Starts watching the bridge's rooms. */
  watch(rooms: CappedRooms): void {
    this.rooms = rooms;
    this.watchTimer ??= setInterval(() => void this.check(), this.options.watchMs ?? SPEND_WATCH_MS);
    this.watchTimer.unref();
  }

  close(): void {
    if (this.watchTimer !== null) clearInterval(this.watchTimer);
    this.watchTimer = null;
    for (const held of this.reached.values()) clearTimeout(held.timer);
    this.reached.clear();
  }

  /** One round of the watch over the rooms with callers and a cap. */
  async check(only?: string): Promise<void> {
    const numbers = this.rooms?.roomNumbers() ?? [];
    try {
      const capped = await this.db.rooms.withSpendCap(only === undefined ? numbers : numbers.filter((n) => n === only));
      for (const room of capped) this.heard(room, await roomSpend(this.db, room, this.now()));
      for (const number of this.reached.keys()) {
        if (!numbers.includes(number) || (only === undefined && !capped.some((r) => r.number === number))) this.forget(number);
      }
    } catch (err) {
      this.log.error({ err }, 'spend caps could not be read: checked again at the next round');
    }
  }

  private heard(room: Room, spend: RoomSpend): void {
    if (spend.level !== 'under') this.warnOwnerOnce(room, spend);
    this.followGrace(room, spend);
  }

  /** A room at its cap with a grace: its conference ends once the grace has passed since this process saw it reached. */
  private followGrace(room: Room, spend: RoomSpend): void {
    const grace = room.spendCap?.graceSeconds ?? null;
    if (spend.level !== 'reached' || grace === null || this.rooms === null || !this.rooms.roomNumbers().includes(room.number)) {
      this.forget(room.number);
      return;
    }
    const now = this.now();
    const since = this.reached.get(room.number)?.since ?? now;
    const endsAt = since + grace * 1000;
    if (now >= endsAt) {
      this.forget(room.number);
      const ended = this.rooms.control(room.number, { type: 'END', by: SPEND_CAP_SOURCE });
      this.log.warn({ room: room.number, spent: money(spend.spentMicros), graceSeconds: grace, ended }, 'room at its monthly spend cap: grace over, conference ended');
      return;
    }
    if (this.reached.has(room.number)) return;
    this.log.info({ room: room.number, spent: money(spend.spentMicros), graceSeconds: grace }, 'room at its monthly spend cap: calls in progress end after the grace');
    const timer = setTimeout(() => void this.check(room.number), endsAt - now);
    timer.unref();
    this.reached.set(room.number, { since, timer });
  }

  private forget(number: string): void {
    const held = this.reached.get(number);
    if (held === undefined) return;
    clearTimeout(held.timer);
    this.reached.delete(number);
  }

  /** Off the caller's path: the claim, then the mail; a failure is logged. */
  private warnOwnerOnce(room: Room, spend: RoomSpend): void {
    if (this.mailer === null || this.warned.get(room.id) === spend.period) return;
    this.warned.set(room.id, spend.period);
    this.mailOwner(room, spend).catch((err: unknown) => {
      this.warned.delete(room.id);
      this.log.error({ err, room: room.number }, 'could not e-mail the room owner about the spend cap');
    });
  }

  private async mailOwner(room: Room, spend: RoomSpend): Promise<void> {
    if (this.mailer === null || spend.cap === null) return;
    if (!(await this.db.rooms.claimSpendWarning(room.id, spend.period))) return;
    const owner = await this.db.accounts.get(room.accountId);
    const grace = spend.cap.graceSeconds;
    this.log.info({ room: room.number, period: spend.period }, 'room at 80 % of its monthly spend cap: owner told');
    await this.mailer.send({
      to: owner.email,
      subject: `Room ${room.number}: 80 % of this month's spend cap used`,
      text: [
        `Hello ${owner.name},`,
        '',
        `Calls into your room ${room.number} have cost ${money(spend.spentMicros)} on toll-free numbers so far in ${spend.period} (UTC),`,
        `of the monthly cap of ${money(spend.cap.monthlyMicros)} you set.`,
        '',
        'Moderators hear a short tone when they join from now on. At the cap, new participants hear that the',
        'conference cannot be extended and are not let in; moderators still are.',
        grace === null ? 'Calls in progress then finish.' : `Calls in progress are then ended after ${grace} seconds.`,
        '',
        'To raise or remove the cap: your room\'s web page (My room, "Spend cap"),',
        `PATCH /v1/accounts/${owner.id}/room with "spendCap", or ask your operator.`,
        'This is the only such e-mail this month.',
      ].join('\n'),
    });
  }
}
