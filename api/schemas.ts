// Schemas the API's routes share: path ids, paging and date queries, and the JSON the routes
// answer with (their OpenAPI response schemas; test/api/openapi.test.ts checks real answers
// against them). Each route's own request schemas are declared beside it.
import { z } from 'zod';
import { parseDate } from '../domain/dates.js';
import { MAX_PASSWORD_LENGTH } from '../db/passwords.js';
import type { Room } from '../db/types.js';
import { domainValue, refusedAs } from './validation.js';

/** Longest page a list route returns, and the page when ?limit= is not given. */
export const MAX_PAGE = 500;
export const DEFAULT_PAGE = 100;

/** A database id in the path: 1 to 15 digits, no leading zero (anything else: 404). */
export const pathId = (name: string) =>
  refusedAs(z.string().regex(/^[1-9]\d{0,14}$/).transform(Number).meta({ description: `${name}: a positive whole number` }), { code: 'NotFound', message: `no such ${name}` });

/** The account in an owner route's path (authentication has already matched it to the token). */
export const accountIdParam = pathId('accountId');
export const ownerParams = z.strictObject({ accountId: accountIdParam });

/** ?limit= (1 to MAX_PAGE, default DEFAULT_PAGE). */
export const limitQuery = refusedAs(
  z
    .string()
    .regex(/^\d{1,6}$/)
    .transform(Number)
    .pipe(z.number().min(1).max(MAX_PAGE))
    .meta({ description: `Items on a page: 1 to ${MAX_PAGE} (default ${DEFAULT_PAGE}).` }),
  { code: 'BadQuery', message: `"limit" is a whole number from 1 to ${MAX_PAGE}` },
).optional();

/** ?after= as the id of the previous page's last item. */
export const idCursorQuery = refusedAs(z.string().regex(/^\d{1,15}$/).transform(Number).meta({ description: 'The last id of the previous page (its Link header has it).' }), {
  code: 'BadQuery',
  message: '"after" is the last id of the previous page',
}).optional();

/** A page of a list ordered by id: ?limit=&after=<last id>. */
export const idPageQuery = z.strictObject({ limit: limitQuery, after: idCursorQuery });

/** A date (YYYY-MM-DD in UTC or an ISO timestamp with its zone) as epoch ms; empty: none. */
export const dateQuery = (name: string) =>
  z
    .string()
    .transform(domainValue((raw) => (raw === '' ? undefined : parseDate(raw, name))))
    .meta({ description: 'YYYY-MM-DD (UTC) or an ISO 8601 timestamp with its zone; years 2000-2999.' })
    .optional();

/** An account the operator creates (a personal one with its room, or an organization). */
export const NewAccountBody = z.strictObject({
  name: z.string().max(1000).meta({ description: '1-200 characters, no control or invisible characters' }),
  email: z.string().max(1000).meta({ description: 'one plain address, at most 254 characters' }),
  password: z.string().max(MAX_PASSWORD_LENGTH).meta({ description: 'absent: the account cannot sign in until one is set' }).optional(),
});

// --- answers ----------------------------------------------------------------------------
const epochMs = z.number().int().meta({ description: 'epoch milliseconds' });
export const isoTime = z.string().meta({ description: 'ISO 8601 UTC' });

export const ErrorAnswer = z.strictObject({
  error: z.strictObject({
    code: z.string().meta({ description: 'stable, e.g. UnknownField, MissingField, BadField, InvalidPin, Forbidden' }),
    message: z.string(),
    fields: z.array(z.string()).optional().meta({ description: 'the request fields at fault, for a refused input' }),
  }),
});

export const NumberKindSchema = z.enum(['toll_free', 'local']);
/** What a rate is for: a kind of number, or callbacks (domain/billing.ts RATE_KINDS). */
export const RateKindSchema = z.enum(['toll_free', 'local', 'callback']);
export const ModeratorLeaveSchema = z.enum(['end', 'continue', 'wait']);

export const AccountAnswer = z.strictObject({
  id: z.number().int(),
  name: z.string(),
  email: z.string(),
  hasPassword: z.boolean(),
  createdAt: epochMs,
  deactivatedAt: epochMs.nullable(),
  kind: z.enum(['personal', 'organization']),
  organizationId: z.number().int().nullable(),
  erasedAt: epochMs.nullable(),
});

export const AnnouncementsAnswer = z.strictObject({
  joinLeaveTones: z.boolean(),
  announceCount: z.boolean(),
  aloneMusic: z.boolean(),
  recordNames: z.boolean(),
  recordingConsent: z.boolean(),
  keepRecordings: z.boolean(),
});

export const RoomAnswer = z.strictObject({
  id: z.number().int(),
  number: z.string(),
  accountId: z.number().int(),
  language: z.string(),
  onModeratorLeave: ModeratorLeaveSchema,
  locked: z.boolean(),
  maxParticipants: z.number().int(),
  pinsSet: z.boolean(),
  organizationId: z.number().int().nullable(),
  announcements: AnnouncementsAnswer,
  /** The monthly spend cap in micros, and the grace for calls in progress (null: they finish); null: no cap. */
  spendCap: z.strictObject({ monthlyMicros: z.number().int(), graceSeconds: z.number().int().nullable() }).nullable(),
  /** What the room's toll-free calls and callbacks cost this month so far (open legs as if they ended now); on the room's own routes. */
  spend: z.strictObject({ period: z.string(), spentMicros: z.number().int(), spent: z.string(), level: z.enum(['under', 'warning', 'reached']) }).optional(),
  callback: z.boolean().meta({ description: 'a participant waiting for the moderator may hang up and be called back when one arrives (the callback is charged to the room\'s owner)' }),
});

/** A room as the API shows it: the repositories' callbackEnabled is "callback". */
export type RoomShown<R extends Pick<Room, 'callbackEnabled'> = Room> = Omit<R, 'callbackEnabled'> & { callback: boolean };

export function roomShown<R extends Pick<Room, 'callbackEnabled'>>(room: R): RoomShown<R> {
  const { callbackEnabled, ...rest } = room;
  return { ...rest, callback: callbackEnabled };
}

export const PhoneNumberAnswer = z.strictObject({
  id: z.number().int(),
  e164: z.string(),
  kind: NumberKindSchema,
  state: z.enum(['available', 'subscribed', 'quarantined']),
  availableAt: epochMs.nullable(),
  accountId: z.number().int().nullable(),
});

export const SubscriptionAnswer = z.strictObject({
  id: z.number().int(),
  accountId: z.number().int(),
  numberId: z.number().int(),
  e164: z.string(),
  startedAt: epochMs,
  endedAt: epochMs.nullable(),
});

const usageFigures = {
  legs: z.number().int(),
  openLegs: z.number().int(),
  seconds: z.number().int(),
  billableSeconds: z.number().int(),
  amountMicros: z.number().int(),
  amount: z.string(),
};

export const UsageAnswer = z.strictObject({
  period: z.string(),
  ...usageFigures,
  billableMinutes: z.number(),
  callbacks: z.strictObject(usageFigures).optional().meta({ description: 'the callbacks among these figures (the calls the bridge placed back to waiting participants; the totals include them); absent when none' }),
});

export const LedgerEntryAnswer = z.strictObject({
  id: z.number().int(),
  entryKind: z.enum(['leg', 'adjustment']),
  channelId: z.string().nullable(),
  correctsId: z.number().int().nullable(),
  accountId: z.number().int(),
  subscriptionId: z.number().int().nullable(),
  numberId: z.number().int(),
  dialled: z.string(),
  roomId: z.number().int().nullable(),
  role: z.enum(['moderator', 'participant', 'unauthenticated']),
  callerNumber: z.string().nullable(),
  answeredAt: epochMs,
  endedAt: epochMs.nullable(),
  seconds: z.number().int().nullable(),
  billableSeconds: z.number().int().nullable(),
  ratePerMinuteMicros: z.number().int(),
  rateIncrementSeconds: z.number().int(),
  rateMinimumSeconds: z.number().int(),
  amountMicros: z.number().int().nullable(),
  note: z.string().nullable(),
  createdAt: epochMs,
  endReason: z.string().nullable(),
  /** The leg this one continues: the same caller back after a dropped call (a rejoin). */
  rejoinOf: z.string().nullable(),
  legKind: z.enum(['inbound', 'callback']).meta({ description: 'callback: the call the bridge placed back to a waiting participant, at the callback rate' }),
});

const StatementLineAnswer = z.strictObject({
  e164: z.string(),
  kind: NumberKindSchema,
  legs: z.number().int(),
  /** Legs less rejoins (absent on statements frozen before rejoins were counted). */
  participants: z.number().int().optional(),
  adjustments: z.number().int(),
  lateEntries: z.number().int(),
  billableSeconds: z.number().int(),
  billableMinutes: z.string(),
  unroundedMicros: z.number().int(),
  amountMicros: z.number().int(),
  amount: z.string(),
});

export const StatementAnswer = z.strictObject({
  accountId: z.number().int(),
  period: z.string().meta({ description: 'YYYY-MM' }),
  status: z.enum(['provisional', 'final']),
  generatedAt: epochMs,
  lines: z.array(StatementLineAnswer),
  callbacks: StatementLineAnswer.omit({ e164: true, kind: true, participants: true })
    .optional()
    .meta({ description: 'the calls the bridge placed back to waiting participants, at the callback rate, on a line of their own ("Callbacks"; the total includes it); absent when none' }),
  totalMicros: z.number().int(),
  total: z.string(),
  openLegs: z.number().int(),
  members: z
    .array(
      z.strictObject({
        accountId: z.number().int().nullable(),
        roomNumber: z.string().nullable(),
        legs: z.number().int(),
        billableSeconds: z.number().int(),
        unroundedMicros: z.number().int(),
        amountMicros: z.number().int(),
        amount: z.string(),
      }),
    )
    .optional()
    .meta({ description: "an organization's statement: the same entries by member" }),
});

export const ApiKeyAnswer = z.strictObject({ id: z.number().int(), label: z.string().nullable(), createdAt: epochMs, revokedAt: epochMs.nullable() });

export const RateAnswer = z.strictObject({
  kind: RateKindSchema,
  perMinuteMicros: z.number().int(),
  incrementSeconds: z.number().int(),
  minimumSeconds: z.number().int(),
  effectiveFrom: epochMs,
});

export const AuditEntryAnswer = z.strictObject({ id: z.number().int(), at: epochMs, actor: z.string(), action: z.string(), target: z.string(), address: z.string().nullable() });

export const MemberAnswer = z.strictObject({ accountId: z.number().int(), name: z.string(), email: z.string(), roomNumber: z.string().nullable(), joinedAt: epochMs });

export const OrganizationAnswer = z.strictObject({ account: AccountAnswer, joinCode: z.string(), members: z.array(MemberAnswer) });

export const OrganizationSummaryAnswer = z.strictObject({ account: AccountAnswer, memberCount: z.number().int() });

export const MemberUsageAnswer = z.strictObject({
  accountId: z.number().int(),
  period: z.string(),
  legs: z.number().int(),
  seconds: z.number().int(),
  billableSeconds: z.number().int(),
  amountMicros: z.number().int(),
  amount: z.string(),
});

const PresentAnswer = z.strictObject({ channelId: z.string(), callerNumber: z.string().nullable(), role: z.string().nullable() });

export const RecordingRowAnswer = z.strictObject({
  id: z.number().int(),
  roomId: z.number().int(),
  accountId: z.number().int(),
  file: z.string(),
  startedAt: epochMs,
  endedAt: epochMs.nullable(),
  startedBy: z.string(),
  stoppedBy: z.string().nullable(),
  sizeBytes: z.number().int().nullable(),
  present: z.array(PresentAnswer),
});

export const ExportAnswer = z.strictObject({
  exportedAt: epochMs,
  account: AccountAnswer,
  room: RoomAnswer.omit({ organizationId: true }).nullable(),
  organization: z.strictObject({ id: z.number().int(), name: z.string() }).nullable(),
  memberships: z.array(z.strictObject({ organizationId: z.number().int(), joinedAt: epochMs, leftAt: epochMs.nullable(), how: z.string().nullable() })),
  subscriptions: z.array(SubscriptionAnswer),
  legs: z.array(LedgerEntryAnswer),
  recordings: z.array(RecordingRowAnswer),
});

export const LiveRoomAnswer = z.strictObject({
  room: z.string(),
  state: z.string(),
  locked: z.boolean(),
  mutedAll: z.boolean(),
  recording: z.boolean(),
  members: z.array(
    z.strictObject({
      channelId: z.string(),
      callerNumber: z.string().nullable().meta({ description: 'the last four digits, e.g. "…0302"; null without a number' }),
      role: z.enum(['moderator', 'participant']),
      joinedAt: epochMs.nullable(),
      where: z.enum(['live', 'waiting']),
      muted: z.boolean(),
      talking: z.boolean(),
    }),
  ),
});

export const HealthAnswer = z.strictObject({
  status: z.enum(['ok', 'unavailable']),
  problems: z.array(z.enum(['database-unreachable', 'database-timeout', 'ari-disconnected', 'draining', 'ami-disconnected'])),
  database: z.strictObject({ ok: z.boolean() }),
  ari: z.strictObject({ connected: z.boolean() }).optional(),
  ami: z.strictObject({ connected: z.boolean() }).optional(),
  journal: z.strictObject({ backlog: z.number().int() }).optional(),
  calls: z.strictObject({ live: z.number().int(), draining: z.boolean() }).optional(),
});

/** A JSON answer with its description, for a route's `answers`. */
export const json = (description: string, schema: z.ZodType) => ({ description, json: schema });
/** 204: done, no body. */
export const noContent = { description: 'Done; no body.' };
