// Rooms: settings, PINs (keyed hashes only) and PIN verification for the caller's path.
import { InvalidPin, InvalidRoomNumber, InvalidRoomSettings, RoomNotFound } from '../../domain/errors.js';
import { isValidRoomNumber } from '../../domain/room-number.js';
import { RoomRowCache } from '../room-row-cache.js';
import { PIN_MAX_DIGITS, PIN_MIN_DIGITS, trivialPinReason } from '../../domain/pin-rules.js';
import { forgetRoomFailures } from './pin-failures.js';
import { PIN_KINDS, type PinKind } from '../../domain/pin-locks.js';
import type { Role } from '../../domain/roles.js';
import { newSalt, pinHash, sameHash } from '../secrets.js';
import type { RepositoryContext, Room, RoomRow } from '../types.js';
import { DEFAULT_ANNOUNCEMENTS, DEFAULT_CALLBACK_ENABLED, type ModeratorLeavePolicy, type RoomAnnouncements } from '../../domain/rooms.js';
import { spendCapProblem, type SpendCap } from '../../domain/spend-cap.js';

/** The room's setting, or its default when the row predates its migration (never, once migrated). */
const setting = (value: boolean | number | undefined, fallback: boolean) => (value === undefined ? fallback : Boolean(value));

function announcementsOf(r: RoomRow): RoomAnnouncements {
  const d = DEFAULT_ANNOUNCEMENTS;
  return {
    joinLeaveTones: setting(r.join_leave_tones, d.joinLeaveTones),
    announceCount: setting(r.announce_count, d.announceCount),
    aloneMusic: setting(r.alone_music, d.aloneMusic),
    recordNames: setting(r.record_names, d.recordNames),
    recordingConsent: setting(r.recording_consent, d.recordingConsent),
    keepRecordings: setting(r.keep_recordings, d.keepRecordings),
  };
}

/** Each announcement setting and its column. */
export const ANNOUNCEMENT_COLUMNS: Record<keyof RoomAnnouncements, string> = {
  joinLeaveTones: 'join_leave_tones',
  announceCount: 'announce_count',
  aloneMusic: 'alone_music',
  recordNames: 'record_names',
  recordingConsent: 'recording_consent',
  keepRecordings: 'keep_recordings',
};

/** The room's cap, or null (none, or a row from before migration 016). */
function spendCapOf(r: RoomRow): SpendCap | null {
  if (r.spend_cap_micros === null || r.spend_cap_micros === undefined) return null;
  return { monthlyMicros: Number(r.spend_cap_micros), graceSeconds: r.spend_cap_grace_seconds ?? null };
}

export const toRoom = (r: RoomRow): Room => ({
  id: r.id,
  number: r.number,
  accountId: r.account_id,
  language: r.language,
  onModeratorLeave: r.on_moderator_leave as ModeratorLeavePolicy,
  locked: Boolean(r.locked),
  maxParticipants: r.max_participants,
  pinsSet: r.moderator_pin_hash !== null && r.participant_pin_hash !== null,
  organizationId: r.organization_id ?? null,
  announcements: announcementsOf(r),
  spendCap: spendCapOf(r),
  callbackEnabled: setting(r.callback_enabled, DEFAULT_CALLBACK_ENABLED),
});

const PIN = /^\d{4,8}$/;
const POLICIES: ModeratorLeavePolicy[] = ['end', 'continue', 'wait'];

export interface RoomSettings {
  language?: string;
  onModeratorLeave?: ModeratorLeavePolicy;
  locked?: boolean;
  maxParticipants?: number;
  /** Only the settings given change. */
  announcements?: Partial<RoomAnnouncements>;
  /** The monthly spend cap; null removes it. */
  spendCap?: SpendCap | null;
  /** Whether waiting participants may ask to be called back. */
  callbackEnabled?: boolean;
}

function spendCapColumns(cap: SpendCap | null): Record<string, unknown> {
  if (cap === null) return { spend_cap_micros: null, spend_cap_grace_seconds: null };
  const problem = spendCapProblem(cap);
  if (problem !== null) throw new InvalidRoomSettings(problem);
  return { spend_cap_micros: cap.monthlyMicros, spend_cap_grace_seconds: cap.graceSeconds };
}

export interface PinRules {
  /** Shortest moderator PIN that may be set (TOLLBRIDGE_MODERATOR_PIN_MIN_DIGITS). */
  moderatorMinDigits: number;
}

export class RoomsRepository {
  /** The caller path's rooms in memory, once the bridge starts it (room-row-cache.ts). */
  readonly cache: RoomRowCache;

  constructor(
    private readonly ctx: RepositoryContext,
    private readonly pinRules: PinRules = { moderatorMinDigits: PIN_MIN_DIGITS },
  ) {
    this.cache = new RoomRowCache(ctx.reader);
  }

  /** The caller's path: one indexed query (none once held); a mistyped number (bad check digit) costs none. */
  async findByNumber(number: string): Promise<Room | null> {
    if (!isValidRoomNumber(number)) return null;
    const row = await this.cache.byRoomNumber(number, () => this.ctx.reader<RoomRow>('rooms').where({ number }).first());
    return row === undefined ? null : toRoom(row);
  }

  async get(number: string): Promise<Room> {
    if (!isValidRoomNumber(number)) throw new InvalidRoomNumber(`"${number}" is not a room number (8 digits with a check digit)`);
    const room = await this.findByNumber(number);
    if (room === null) throw new RoomNotFound(`no room ${number}`);
    return room;
  }

  /** Rooms whose PINs were hashed with a key this process does not have (they cannot be entered until their PINs are set again). */
  async countWithoutKey(): Promise<number> {
    const ids = (await this.ctx.knex('rooms').whereNotNull('pin_salt').distinct<{ pin_key_id: number }[]>('pin_key_id')).map((r) => Number(r.pin_key_id));
    const missing = ids.filter((id) => this.ctx.pinKeys.key(id) === undefined);
    if (missing.length === 0) return 0;
    const row = await this.ctx.knex('rooms').whereNotNull('pin_salt').whereIn('pin_key_id', missing).count<{ n: number | string }[]>({ n: '*' }).first();
    return Number(row?.n ?? 0);
  }

  async forAccount(accountId: number): Promise<Room[]> {
    return (await this.ctx.knex<RoomRow>('rooms').where({ account_id: accountId })).map(toRoom);
  }

  async setPins(number: string, pins: { moderator: string; participant: string }): Promise<Room> {
    for (const [role, pin] of Object.entries(pins)) {
      if (!PIN.test(pin)) throw new InvalidPin(`the ${role} PIN must be ${PIN_MIN_DIGITS} to ${PIN_MAX_DIGITS} digits`);
      const trivial = trivialPinReason(pin);
      if (trivial !== null) throw new InvalidPin(`the ${role} PIN is too easy to guess (${trivial}): choose digits with no pattern`);
    }
    const minModerator = this.pinRules.moderatorMinDigits;
    if (pins.moderator.length < minModerator) {
      throw new InvalidPin(`the moderator PIN must have at least ${minModerator} digits (TOLLBRIDGE_MODERATOR_PIN_MIN_DIGITS)`);
    }
    if (pins.moderator === pins.participant) throw new InvalidPin('the moderator and participant PINs must differ');
    const room = await this.get(number);
    const salt = newSalt();
    const { id: keyId, key } = this.ctx.pinKeys.current();
    await this.ctx.knex.transaction(async (trx) => {
      const before = await trx<RoomRow>('rooms').where({ id: room.id }).first();
      await trx('rooms').where({ id: room.id }).update({
        pin_salt: salt,
        pin_key_id: keyId,
        moderator_pin_hash: pinHash(key, salt, pins.moderator),
        participant_pin_hash: pinHash(key, salt, pins.participant),
        pins_changed_at: this.ctx.now(),
      });
      // A changed PIN lifts its kind's guessing lock and forgets its wrong PINs (earlier guesses
      // say nothing about the new PIN); a PIN set again unchanged keeps them.
      await forgetRoomFailures(trx, room.id, PIN_KINDS.filter((kind) => before === undefined || this.pinChanged(before, kind, pins[kind])));
    });
    this.cache.clear();
    return this.get(number);
  }

  /** Whether `pin` differs from the room's current PIN of `kind` (a PIN under a key this process lacks counts as changed). */
  private pinChanged(row: RoomRow, kind: PinKind, pin: string): boolean {
    const stored = kind === 'moderator' ? row.moderator_pin_hash : row.participant_pin_hash;
    const key = this.ctx.pinKeys.key(Number(row.pin_key_id));
    if (stored === null || row.pin_salt === null || key === undefined) return true;
    return !sameHash(pinHash(key, row.pin_salt, pin), stored);
  }

  async updateSettings(number: string, settings: RoomSettings & { number?: unknown }): Promise<Room> {
    if ('number' in settings && settings.number !== undefined && settings.number !== number) {
      throw new InvalidRoomSettings('a room number is permanent and cannot be changed');
    }
    const patch: Record<string, unknown> = {};
    if (settings.language !== undefined) {
      if (!/^[a-z]{2}(_[A-Z]{2})?$/.test(settings.language)) throw new InvalidRoomSettings(`"${settings.language}" is not a language code like en or fr`);
      const installed = this.ctx.roomLanguages;
      if (installed !== undefined && !installed.includes(settings.language)) {
        throw new InvalidRoomSettings(`no prompts are installed in "${settings.language}" (installed: ${installed.join(', ')}); an operator adds a language with TOLLBRIDGE_PROMPT_DIRS`);
      }
      patch.language = settings.language;
    }
    if (settings.onModeratorLeave !== undefined) {
      if (!POLICIES.includes(settings.onModeratorLeave)) throw new InvalidRoomSettings(`on-moderator-leave must be one of ${POLICIES.join(', ')}`);
      patch.on_moderator_leave = settings.onModeratorLeave;
    }
    if (settings.locked !== undefined) patch.locked = settings.locked;
    if (settings.callbackEnabled !== undefined) {
      if (typeof settings.callbackEnabled !== 'boolean') throw new InvalidRoomSettings('"callbackEnabled" must be true or false');
      patch.callback_enabled = settings.callbackEnabled;
    }
    if (settings.maxParticipants !== undefined) {
      if (!Number.isInteger(settings.maxParticipants) || settings.maxParticipants < 2 || settings.maxParticipants > 1000) {
        throw new InvalidRoomSettings('max participants must be a whole number from 2 to 1000');
      }
      patch.max_participants = settings.maxParticipants;
    }
    for (const [name, value] of Object.entries(settings.announcements ?? {})) {
      const column = ANNOUNCEMENT_COLUMNS[name as keyof RoomAnnouncements];
      if (column === undefined) throw new InvalidRoomSettings(`"${name}" is not a room announcement setting (${Object.keys(ANNOUNCEMENT_COLUMNS).join(', ')})`);
      if (typeof value !== 'boolean') throw new InvalidRoomSettings(`"${name}" must be true or false`);
      patch[column] = value;
    }
    if (settings.spendCap !== undefined) Object.assign(patch, spendCapColumns(settings.spendCap));
    const room = await this.get(number);
    if (Object.keys(patch).length > 0) await this.ctx.knex('rooms').where({ id: room.id }).update(patch);
    this.cache.clear();
    return this.get(number);
  }

  /**
   * Notes that the owner is told of the room's 80 % for `period` ('YYYY-MM'): true for exactly
   * one caller per room and month, whichever process asks (one conditional UPDATE).
   */
  async claimSpendWarning(roomId: number, period: string): Promise<boolean> {
    const changed = await this.ctx.knex('rooms')
      .where({ id: roomId })
      .where((w) => void w.whereNull('spend_warned_period').orWhereNot('spend_warned_period', period))
      .update({ spend_warned_period: period });
    if (changed > 0) this.cache.clear();
    return changed > 0;
  }

  /** Rooms with a spend cap, by number (the bridge's watch reads those it has callers in). */
  async withSpendCap(numbers: string[]): Promise<Room[]> {
    if (numbers.length === 0) return [];
    return (await this.ctx.reader<RoomRow>('rooms').whereIn('number', numbers).whereNotNull('spend_cap_micros')).map(toRoom);
  }

  /**
   * The current hashes (held ones only while the rooms table has not changed), so a changed PIN
   * applies to the next entry. Each is checked with the key it was made with; a key this process
   * does not have checks nothing.
   */
  async verifyPin(roomId: number, pin: string): Promise<Role | 'invalid'> {
    if (!PIN.test(pin)) return 'invalid';
    const row = await this.cache.byRoomId(roomId, () => this.ctx.reader<RoomRow>('rooms').where({ id: roomId }).first());
    if (row === undefined || row.pin_salt === null || row.moderator_pin_hash === null || row.participant_pin_hash === null) return 'invalid';
    const key = this.ctx.pinKeys.key(Number(row.pin_key_id));
    if (key === undefined) return 'invalid';
    const hash = pinHash(key, row.pin_salt, pin);
    if (sameHash(hash, row.moderator_pin_hash)) return 'moderator';
    if (sameHash(hash, row.participant_pin_hash)) return 'participant';
    return 'invalid';
  }
}
