// The figures of one side's run, from what was observed: each caller's AMI timeline, SIPp's
// results, the CPU counters at the window's edges and the samples taken meanwhile.
import type { CallersKind } from './callers/load-callers.js';
import type { LightCallResult } from './callers/light-callers.js';
import type { ChannelTrack } from './join-timeline.js';
import type { LoadPlan, PlannedCall } from './load-plan.js';
import type { CpuCounters, Sampler } from './load-sampler.js';
import type { SideName } from './load-side.js';
import { distribution, maxOverlap, type Distribution } from './load-stats.js';
import type { TaskprocessorPeak } from './taskprocessors.js';

export interface SideReport {
  side: SideName;
  calls: number;
  answered: number;
  inConference: number;
  /** Answered calls whose keys Asterisk reported otherwise than sent (a doubled digit under load). */
  garbledDigits: number;
  /** '#' -> in the conference, ms: every caller (moderator first) or the moderators (moderator last). */
  join: Distribution;
  /** Moderator last: per room, from the moderator's '#'. */
  release: { moderatorIn: Distribution; allIn: Distribution; waitingIn: Distribution; waiting: number } | null;
  /** The load generator: the light callers' process or the SIPp processes (callers.kind). */
  callers: CallersKind;
  cpu: { asteriskS: number; appS: number | null; callersS: number; benchS: number; perCall: { asterisk: number; app: number | null; total: number; callers: number } };
  /** The machine's 1-minute load average at the window's start and end. */
  loadAverage: [number, number];
  memory: { appStartKb: number; appPeakKb: number; appAfterKb: number; appIdle: AppIdleRss | null; perLiveCallKb: number; asteriskPeakKb: number } | { appStartKb: null; asteriskPeakKb: number };
  maxLiveCalls: number;
  taskprocessors: { deepest: TaskprocessorPeak[]; ariApplication: TaskprocessorPeak | null; polls: number };
  windowS: number;
  /** Calls that did not get into the conference, with what was seen of them (at most 10). */
  missing: MissingCall[];
}

/** The app's RSS read again after it was left idle `afterS` seconds after the calls. */
export interface AppIdleRss {
  afterS: number;
  kb: number;
}

export interface MissingCall {
  callerNumber: string;
  role: string;
  sent: string;
  answered: boolean;
  hungUpBy: string;
  /** The keys Asterisk reported. */
  digits: string | null;
  parked: boolean;
  /** Events after the PIN's '#' (ms from it). */
  trail: string[];
}

export interface Observed {
  side: SideName;
  plan: LoadPlan;
  moderator: 'first' | 'last';
  /** By caller number without '+'. */
  tracks: ReadonlyMap<string, ChannelTrack>;
  /** The callers' results by caller number without '+'. */
  results: ReadonlyMap<string, LightCallResult>;
  callers: CallersKind;
  before: CpuCounters;
  after: CpuCounters;
  appStartKb: number | null;
  appAfterKb: number | null;
  appIdle: AppIdleRss | null;
  sampler: Sampler;
  windowS: number;
}

const bare = (number: string) => number.replace(/^\+/, '');

export function sideFigures(o: Observed): SideReport {
  const { plan, sampler, before, after, appStartKb, appAfterKb } = o;
  const everyone = [...plan.first, ...plan.second];
  const trackOf = (c: PlannedCall) => o.tracks.get(bare(c.callerNumber));
  const answered = [...o.results.values()].filter((r) => r.answered);
  const joinMs = (c: PlannedCall) => {
    const t = trackOf(c);
    return t?.inConferenceAt != null && t.pinHashAt !== null ? t.inConferenceAt - t.pinHashAt : null;
  };
  const timed = o.moderator === 'first' ? everyone : plan.second;
  const maxLiveCalls = maxOverlap(answered.map((r) => ({ start: r.answeredAt ?? 0, end: r.endedAt ?? r.answeredAt ?? 0 })));
  const per = Math.max(1, answered.length);
  const asteriskS = after.asterisk - before.asterisk;
  const appS = after.app === null || before.app === null ? null : after.app - before.app;
  const callersS = after.callers - before.callers;
  return {
    side: o.side,
    calls: everyone.length,
    answered: answered.length,
    inConference: everyone.filter((c) => trackOf(c)?.inConferenceAt != null).length,
    garbledDigits: everyone.filter((c) => {
      const t = trackOf(c);
      return t !== undefined && !t.digits.startsWith(c.digits);
    }).length,
    join: distribution(timed.map(joinMs).filter((v): v is number => v !== null)),
    release: o.moderator === 'first' ? null : releaseTimes(plan, trackOf),
    loadAverage: [before.loadAverage, after.loadAverage],
    callers: o.callers,
    cpu: { asteriskS, appS, callersS, benchS: after.bench - before.bench, perCall: { asterisk: asteriskS / per, app: appS === null ? null : appS / per, total: (asteriskS + (appS ?? 0)) / per, callers: callersS / per } },
    memory:
      appStartKb === null || appAfterKb === null
        ? { appStartKb: null, asteriskPeakKb: sampler.asteriskPeakKb }
        : { appStartKb, appPeakKb: sampler.appPeakKb, appAfterKb, appIdle: o.appIdle, perLiveCallKb: (sampler.appPeakKb - appStartKb) / Math.max(1, maxLiveCalls), asteriskPeakKb: sampler.asteriskPeakKb },
    maxLiveCalls,
    taskprocessors: { deepest: sampler.taskprocessors.deepest(3), ariApplication: sampler.taskprocessors.ariApplication(), polls: sampler.taskprocessors.polls },
    windowS: o.windowS,
    missing: everyone
      .filter((c) => trackOf(c)?.inConferenceAt == null)
      .slice(0, 10)
      .map((c) => {
        const t = trackOf(c);
        const r = o.results.get(bare(c.callerNumber)) ?? null;
        return { callerNumber: c.callerNumber, role: c.role, sent: c.digits, answered: r?.answered ?? false, hungUpBy: r?.hungUpBy ?? 'none', digits: t?.digits ?? null, parked: t?.parkedAt != null, trail: t?.trail ?? [] };
      }),
  };
}

/** Moderator last: per room, from the moderator's '#' to the moderator in, and to the moderator and every waiting caller in. */
function releaseTimes(plan: LoadPlan, trackOf: (c: PlannedCall) => ChannelTrack | undefined): NonNullable<SideReport['release']> {
  const moderatorIn: number[] = [];
  const allIn: number[] = [];
  const waitingIn: number[] = [];
  for (const moderator of plan.second) {
    const m = trackOf(moderator);
    if (m?.pinHashAt == null || m.inConferenceAt === null) continue;
    const hash = m.pinHashAt;
    moderatorIn.push(m.inConferenceAt - hash);
    const waiting = plan.first.filter((c) => c.room === moderator.room).map((c) => trackOf(c)?.inConferenceAt ?? null);
    if (waiting.some((at) => at === null)) continue; // someone never got in: no release time for this room
    const times = (waiting as number[]).map((at) => at - hash);
    waitingIn.push(...times);
    allIn.push(Math.max(m.inConferenceAt - hash, ...times));
  }
  return { moderatorIn: distribution(moderatorIn), allIn: distribution(allIn), waitingIn: distribution(waitingIn), waiting: plan.first.length };
}
