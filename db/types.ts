// What the repositories return. Timestamps are epoch ms; money is integer micros.
import type { Knex } from 'knex';
import type { CredentialChanges } from './credential-changes.js';
import type { FieldCipher } from './field-cipher.js';
import type { PasswordHasher } from './passwords.js';
import type { PinKeyring } from '../config/pin-keys.js';
import type { OwnerLimits } from '../domain/limits.js';
import type { NumberKind } from '../domain/numbers.js';
import type { RateKind } from '../domain/billing.js';
import type { LegKind } from '../domain/legs.js';
import type { LegRole } from '../domain/roles.js';
import type { ModeratorLeavePolicy, RoomAnnouncements } from '../domain/rooms.js';
import type { SpendCap } from '../domain/spend-cap.js';


export type AccountKind = 'personal' | 'organization';

export interface Account {
  id: number;
  name: string;
  /** Decrypted; '' once the account is deleted for good. */
  email: string;
  hasPassword: boolean;
  createdAt: number;
  deactivatedAt: number | null;
  /** 'organization': the paying administrator's account (no room, cannot join calls). */
  kind: AccountKind;
  /** A personal account's current organization (the organization account's id). */
  organizationId: number | null;
  /** When the account was deleted for good (personal fields erased); null otherwise. */
  erasedAt: number | null;
}

export interface Room {
  id: number;
  number: string;
  accountId: number;
  language: string;
  onModeratorLeave: ModeratorLeavePolicy;
  locked: boolean;
  maxParticipants: number;
  pinsSet: boolean;
  /** The organization (account id) whose numbers also reach this room: its owner is a member. */
  organizationId: number | null;
  /** Tones, announcements and recording consent (domain/rooms.ts). */
  announcements: RoomAnnouncements;
  /** The monthly spend cap (domain/spend-cap.ts); null: none. */
  spendCap: SpendCap | null;
  /** Waiting participants may ask to be called back when the moderator arrives (domain/rooms.ts). */
  callbackEnabled: boolean;
}

/** A row of `rooms` as stored (the repository and the room cache read it; toRoom makes a Room of it). */
export interface RoomRow {
  id: number;
  account_id: number;
  number: string;
  language: string;
  on_moderator_leave: string;
  locked: boolean | number;
  max_participants: number;
  pin_salt: string | null;
  moderator_pin_hash: string | null;
  participant_pin_hash: string | null;
  organization_id?: number | null;
  pin_key_id: number;
  join_leave_tones?: boolean | number;
  announce_count?: boolean | number;
  alone_music?: boolean | number;
  record_names?: boolean | number;
  recording_consent?: boolean | number;
  keep_recordings?: boolean | number;
  spend_cap_micros?: number | string | null;
  spend_cap_grace_seconds?: number | null;
  spend_warned_period?: string | null;
  callback_enabled?: boolean | number;
}

export interface PhoneNumber {
  id: number;
  e164: string;
  kind: NumberKind;
  state: 'available' | 'subscribed' | 'quarantined';
  /** For a quarantined number: when it becomes available again. */
  availableAt: number | null;
  /** The account holding it, when subscribed. */
  accountId: number | null;
}

export interface Subscription {
  id: number;
  accountId: number;
  numberId: number;
  e164: string;
  startedAt: number;
  endedAt: number | null;
}

export interface Rate {
  kind: RateKind;
  perMinuteMicros: number;
  incrementSeconds: number;
  minimumSeconds: number;
  effectiveFrom: number;
}

export interface LedgerEntry {
  id: number;
  entryKind: 'leg' | 'adjustment';
  channelId: string | null;
  correctsId: number | null;
  accountId: number;
  subscriptionId: number | null;
  numberId: number;
  dialled: string;
  roomId: number | null;
  role: LegRole;
  callerNumber: string | null;
  answeredAt: number;
  endedAt: number | null;
  seconds: number | null;
  billableSeconds: number | null;
  ratePerMinuteMicros: number;
  rateIncrementSeconds: number;
  rateMinimumSeconds: number;
  amountMicros: number | null;
  note: string | null;
  createdAt: number;
  /** Why a leg ended ('hangup', 'rtp-timeout', 'max-duration', ...: domain/legs.ts LegEndReason); null while open, for adjustments and for legs closed before it was recorded. */
  endReason: string | null;
  /** The leg this one continues: the caller's call dropped and they came back within the rejoin window. */
  rejoinOf: string | null;
  /** 'callback': the bridge's outbound call to a waiting participant, rated at the 'callback' rate; an adjustment has its corrected entry's kind. */
  legKind: LegKind;
}

/** A ledger entry of kind 'leg' as the call flow sees it. */
export type Leg = LedgerEntry;

/** Legs and what they cost: a whole summary, or its callbacks. */
export interface UsageFigures {
  legs: number;
  openLegs: number;
  seconds: number;
  billableSeconds: number;
  amountMicros: number;
}

export interface UsageSummary extends UsageFigures {
  period: string;
  /** The callbacks among these figures (the totals include them); absent when there are none. */
  callbacks?: UsageFigures;
}

/** What every repository is built from. */
export interface RepositoryContext {
  knex: Knex;
  /**
   * Where the caller's lookups (number route, room, PIN hashes) read. SQLite: a second,
   * read-only connection, so a lookup never queues behind a ledger commit on the writer's
   * single connection (WAL lets it read the last committed state meanwhile). PostgreSQL: `knex`.
   */
  reader: Knex;
  now: () => number;
  /** The keys PIN hashes are made and checked with (each hash names its key's id). */
  pinKeys: PinKeyring;
  /** Limits on what an account may do with numbers; null: none. */
  ownerLimits: OwnerLimits | null;
  quarantineDays: number;
  /** The languages a room may be set to (installed prompts); undefined: any language code. */
  roomLanguages: readonly string[] | undefined;
  /** Proposes room numbers; random in production, scripted in tests. */
  proposeRoomNumber: () => string;
  /** Account password hashing, off libuv's thread pool (db/passwords.ts). */
  passwords: PasswordHasher;
  /** Caller numbers and e-mail addresses at rest (db/field-cipher.ts). */
  cipher: FieldCipher;
  /** Told when an account's credentials may have ended (db/credential-changes.ts). */
  credentialChanges: CredentialChanges;
}

export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT' || (typeof e.message === 'string' && e.message.includes('UNIQUE constraint failed'));
}
