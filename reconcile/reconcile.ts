// The money cross-check: every leg on the ledger against Asterisk's own record of the same
// channel (CEL), and every answered carrier channel in Asterisk's record against the ledger.
// Pure: the CLI reads both sides and prints what this returns.
import type { AsteriskCallRecord } from './cel-log.js';
import { channelsOfSystem } from '../bridge/channel-ids.js';

export interface LedgerLegView {
  channelId: string;
  accountId: number;
  dialled: string;
  answeredAt: number;
  endedAt: number | null;
  seconds: number | null;
}

export type DifferenceKind =
  | 'missing-in-ledger' // Asterisk answered a carrier call on one of our numbers; no leg
  | 'missing-in-asterisk' // a leg whose channel Asterisk has no answered record of
  | 'still-open' // the leg is open, Asterisk says the channel ended
  | 'answer-differs'
  | 'end-differs'
  | 'seconds-differ';

export interface Difference {
  kind: DifferenceKind;
  channelId: string;
  /** Ledger minus Asterisk, ms (answer/end), or s (seconds). */
  delta?: number;
  ledger: { answeredAt: number; endedAt: number | null; seconds: number | null; accountId: number; dialled: string } | null;
  asterisk: { answeredAt: number | null; endedAt: number | null; seconds: number | null; dialled: string } | null;
}

export interface ReconcileScope {
  /** Legs (and Asterisk answers) in [from, to), epoch ms. */
  from: number;
  to: number;
  /** Numbers on this ledger, E.164: Asterisk's calls to other numbers are not ours to check. */
  numbers: string[];
  /** Only channel ids of this Asterisk (its systemname prefix); undefined: all. */
  systemName?: string;
  /** Allowed difference, ms for times and whole seconds for durations (1 s = 1000). */
  toleranceMs?: number;
}

export interface ReconcileReport {
  from: number;
  to: number;
  legsChecked: number;
  asteriskCallsChecked: number;
  differences: Difference[];
}

const digits = (n: string) => n.replace(/\D/g, '');
const secondsOf = (answered: number, ended: number) => Math.ceil(Math.max(0, Math.round(ended) - Math.round(answered)) / 1000);

/** Carrier channels Asterisk answered: PJSIP channels (not Local, Recorder, Snoop). */
function isCarrierCall(r: AsteriskCallRecord): r is AsteriskCallRecord & { answeredAt: number } {
  return r.answeredAt !== null && r.channelName.startsWith('PJSIP/');
}

export function reconcile(legs: LedgerLegView[], records: AsteriskCallRecord[], scope: ReconcileScope): ReconcileReport {
  const tolerance = scope.toleranceMs ?? 1000;
  const ofSystem = scope.systemName === undefined ? null : channelsOfSystem(scope.systemName);
  const ours = (channelId: string) => ofSystem === null || ofSystem(channelId);
  const inRange = (t: number) => t >= scope.from && t < scope.to;
  const numbers = new Set(scope.numbers.map(digits));
  const byChannel = new Map(records.filter(isCarrierCall).map((r) => [r.channelId, r]));
  const differences: Difference[] = [];
  const checkedLegs = legs.filter((l) => ours(l.channelId) && inRange(l.answeredAt));
  const legChannels = new Set(legs.map((l) => l.channelId));

  const view = (r: AsteriskCallRecord | undefined): Difference['asterisk'] =>
    r === undefined ? null : { answeredAt: r.answeredAt, endedAt: r.endedAt, seconds: r.answeredAt !== null && r.endedAt !== null ? secondsOf(r.answeredAt, r.endedAt) : null, dialled: r.exten };

  for (const leg of checkedLegs) {
    const r = byChannel.get(leg.channelId);
    const ledger = { answeredAt: leg.answeredAt, endedAt: leg.endedAt, seconds: leg.seconds, accountId: leg.accountId, dialled: leg.dialled };
    const base = { channelId: leg.channelId, ledger, asterisk: view(r) };
    if (r === undefined) {
      differences.push({ kind: 'missing-in-asterisk', ...base });
      continue;
    }
    const answerDelta = leg.answeredAt - r.answeredAt;
    if (Math.abs(answerDelta) > tolerance) differences.push({ kind: 'answer-differs', delta: Math.round(answerDelta), ...base });
    if (leg.endedAt === null) {
      if (r.endedAt !== null) differences.push({ kind: 'still-open', ...base });
      continue;
    }
    if (r.endedAt === null) continue; // Asterisk has not logged its hang-up yet (still up, or the file lags)
    const endDelta = leg.endedAt - r.endedAt;
    if (Math.abs(endDelta) > tolerance) differences.push({ kind: 'end-differs', delta: Math.round(endDelta), ...base });
    const secondsDelta = (leg.seconds ?? 0) - secondsOf(r.answeredAt, r.endedAt);
    if (Math.abs(secondsDelta) * 1000 > tolerance) differences.push({ kind: 'seconds-differ', delta: secondsDelta, ...base });
  }

  const asteriskCalls = [...byChannel.values()].filter((r) => ours(r.channelId) && inRange(r.answeredAt) && numbers.has(digits(r.exten)));
  for (const r of asteriskCalls) {
    if (!legChannels.has(r.channelId)) differences.push({ kind: 'missing-in-ledger', channelId: r.channelId, ledger: null, asterisk: view(r) });
  }
  return { from: scope.from, to: scope.to, legsChecked: checkedLegs.length, asteriskCallsChecked: asteriskCalls.length, differences };
}
