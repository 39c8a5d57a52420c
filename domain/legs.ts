// A leg: one answered call on the usage ledger, from answer to hang-up.
import type { Role } from './roles.js';

/**
 * Which way a leg's call went (usage_ledger.leg_kind):
 *   inbound   a caller dialled one of the account's numbers
 *   callback  the outbound call the bridge places to a waiting participant who asked to be
 *             called back when the moderator arrives; charged to the room's owner at the
 *             'callback' rate (not the dialled number's kind)
 */
export type LegKind = 'inbound' | 'callback';

export interface LegOpening {
  channelId: string;
  accountId: number;
  subscriptionId: number;
  numberId: number;
  dialled: string;
  callerNumber: string | null;
  answeredAt: number;
  /**
   * Absent means 'inbound'. A callback leg is the outbound call the bridge places to a waiting
   * participant; it is charged to the room's owner at the 'callback' rate.
   */
  legKind?: LegKind;
}

/**
 * Why a leg ended, as the ledger records it (usage_ledger.end_reason):
 *   hangup               the caller (the carrier) hung up
 *   goodbye              we hung up after the last failed room or PIN attempt
 *   refused              the room was locked or full
 *   moderator-left       the room's policy `end` when the last moderator left
 *   bridge-failed        Asterisk would not put the caller into the room's bridge, even after a retry
 *   rtp-timeout          no RTP from the caller for TOLLBRIDGE_RTP_TIMEOUT_S (Asterisk hung up)
 *   session-timeout      the SIP session-timer refresh failed (Asterisk hung up)
 *   moderator-wait-limit on hold longer than TOLLBRIDGE_MAX_MODERATOR_WAIT_S
 *   alone-limit          alone in the conference longer than TOLLBRIDGE_MAX_ALONE_S
 *   max-duration         the leg reached TOLLBRIDGE_MAX_LEG_S
 *   shutdown             the bridge stopped
 *   asterisk-lost        Asterisk went away under the call
 *   operator             closed by hand (`tollbridge ledger close`)
 *   removed              a moderator (key 3) or the room's owner (live API) removed the caller
 *   ended                a moderator (key 8) or the owner ended the conference for everyone
 *   left                 the caller pressed the leave key (9)
 *   spend-cap            the room's monthly spend cap was reached: a participant refused at entry
 *   callback             the caller asked to be called back when the moderator arrives (hung up by us; the callback is its own leg)
 *   error                the app failed on this call
 */
export type LegEndReason =
  | 'hangup'
  | 'goodbye'
  | 'refused'
  | 'moderator-left'
  | 'bridge-failed'
  | 'rtp-timeout'
  | 'session-timeout'
  | 'moderator-wait-limit'
  | 'alone-limit'
  | 'max-duration'
  | 'shutdown'
  | 'asterisk-lost'
  | 'operator'
  | 'removed'
  | 'ended'
  | 'left'
  | 'spend-cap'
  | 'callback'
  | 'error';

/**
 * What a leg learns once its caller is in a room: the room and role, and for a caller back
 * after a dropped call (flows/recent-stays.ts) the channel id of the leg it continues.
 */
export interface LegAssignment {
  roomId: number;
  role: Role;
  rejoinOf?: string;
}

/** A leg the ledger holds open, as recovery needs it. */
export interface OpenLeg {
  channelId: string;
  accountId: number;
  subscriptionId: number | null;
  numberId: number;
  dialled: string;
  callerNumber: string | null;
  answeredAt: number;
  /** Null until the caller entered a room. */
  role: Role | null;
  /** Absent means 'inbound' (as on LegOpening): a resumed callback leg must not be taken for a new caller. */
  legKind?: LegKind;
}
