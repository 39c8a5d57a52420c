// Runs the load shape against one side and measures it: places the calls at the call rate,
// watches them through AMI (join-timeline.ts), keeps each caller `stay` seconds in the room
// after it got in (the moderator leaves last, after every participant of its room, so the
// room's moderator-leaves setting never comes into play), and meanwhile samples Asterisk's
// taskprocessors and the processes' memory. CPU is the difference of /proc counters over the
// window from the first call placed to the last channel gone.
import { startCall, type CallHandle, type CallResult } from '../sipp/caller.js';
import { KEY_GAP_MS, KEY_TONE_MS } from '../sipp/rtp-pcap.js';
import { openAmiSession, type AmiSession } from './ami-session.js';
import { JoinTimeline, TIMELINE_CLASSES, TIMELINE_FILTERS, type ChannelTrack } from './join-timeline.js';
import type { LoadPlan, PlannedCall } from './load-plan.js';
import type { RunningSide, SideName } from './load-side.js';
import { distribution, maxOverlap, type Distribution } from './load-stats.js';
import { cpuTimes, rssKb, totalCpu } from './proc-stats.js';
import { TaskprocessorWatch, parseTaskprocessors, type TaskprocessorPeak } from './taskprocessors.js';

export interface RunShape {
  cps: number;
  stayS: number;
  moderator: 'first' | 'last';
}

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
  cpu: { asteriskS: number; appS: number | null; sippS: number; perCall: { asterisk: number; app: number | null; total: number; sipp: number } };
  memory: { appStartKb: number; appPeakKb: number; appAfterKb: number; perLiveCallKb: number; asteriskPeakKb: number } | { appStartKb: null; asteriskPeakKb: number };
  maxLiveCalls: number;
  taskprocessors: { deepest: TaskprocessorPeak[]; ariApplication: TaskprocessorPeak | null; polls: number };
  windowS: number;
  /** Calls that did not get into the conference, with what was seen of them (at most 10). */
  missing: MissingCall[];
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
  inBridge: boolean;
}

const SAMPLE_MS = 500;
const PRE_DIGITS_PAUSE_MS = 300;
const PARK_TIMEOUT_MS = 60_000;
const HANGUP_EVENTS_TIMEOUT_MS = 20_000;
/** After the last channel is gone: the app closes ledger legs, Asterisk destroys bridges. */
const SETTLE_MS = 1_000;
/** Then memory is read once more, as the app stands after the calls. */
const AFTER_MS = 2_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const bare = (number: string) => number.replace(/^\+/, '');

interface LiveCall {
  call: PlannedCall;
  handle: CallHandle;
  result: CallResult | null;
  hangupDue: boolean;
}

class Sampler {
  readonly taskprocessors = new TaskprocessorWatch();
  appPeakKb = 0;
  asteriskPeakKb = 0;
  private running = true;
  private readonly done: Promise<void>;

  constructor(private readonly ami: AmiSession, private readonly side: RunningSide) {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      this.sampleMemory();
      try {
        this.taskprocessors.record(parseTaskprocessors(await this.ami.command('core show taskprocessors')));
      } catch {
        // a poll lost under load is a missing sample, not a failed run
      }
      await sleep(SAMPLE_MS);
    }
  }

  sampleMemory(): void {
    if (this.side.appPid !== null) this.appPeakKb = Math.max(this.appPeakKb, rssKb(this.side.appPid) ?? 0);
    this.asteriskPeakKb = Math.max(this.asteriskPeakKb, rssKb(this.side.asteriskPid) ?? 0);
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

function cpuNow(side: RunningSide) {
  return { asterisk: totalCpu(side.asteriskPid) ?? NaN, app: side.appPid === null ? null : totalCpu(side.appPid), sipp: cpuTimes('self').children };
}

export async function runSide(side: RunningSide, plan: LoadPlan, shape: RunShape, progress: (line: string) => void): Promise<SideReport> {
  const everyone = [...plan.first, ...plan.second];
  const timeline = new JoinTimeline(new Set(everyone.map((c) => bare(c.callerNumber))), (bridge) => side.isConference(bridge));
  const ami = await openAmiSession(side.ami, TIMELINE_CLASSES, TIMELINE_FILTERS);
  const failure: { timeline: Error | null } = { timeline: null };
  ami.onEvent((event) => {
    try {
      timeline.onEvent(event);
    } catch (err) {
      failure.timeline ??= err instanceof Error ? err : new Error(String(err));
    }
  });
  const sampler = new Sampler(ami, side);
  const live = new Map<string, LiveCall>();
  const keysMs = Math.max(...everyone.map((c) => c.digits.length)) * (KEY_TONE_MS + KEY_GAP_MS) + PRE_DIGITS_PAUSE_MS;
  // Only a safety net: the bench hangs every call up itself (stay after getting in).
  const safetyMs = (2 * everyone.length * 1000) / shape.cps + 2 * keysMs + shape.stayS * 1000 + PARK_TIMEOUT_MS;
  const track = (call: PlannedCall): ChannelTrack | undefined => timeline.byCaller().get(bare(call.callerNumber));

  const place = async (calls: PlannedCall[]) => {
    const start = Date.now();
    for (const [i, call] of calls.entries()) {
      const due = start + (i * 1000) / shape.cps - Date.now();
      if (due > 0) await sleep(due);
      const handle = startCall({
        target: { host: '127.0.0.1', port: side.sipPort },
        dialled: call.dialled,
        callerNumber: call.callerNumber,
        steps: [{ pauseMs: PRE_DIGITS_PAUSE_MS }, { digits: call.digits }],
        hangup: { by: 'caller', afterMs: safetyMs },
      });
      const entry: LiveCall = { call, handle, result: null, hangupDue: false };
      void handle.result.then((r) => (entry.result = r), () => undefined);
      live.set(bare(call.callerNumber), entry);
    }
  };

  // Hang-ups: a participant `stay` s after it got in; a moderator once its room's participants are gone.
  let hangingUp = true;
  const hangups = (async () => {
    while (hangingUp) {
      const byCaller = timeline.byCaller();
      for (const entry of live.values()) {
        if (entry.hangupDue || entry.result !== null) continue;
        const inAt = byCaller.get(bare(entry.call.callerNumber))?.inConferenceAt ?? null;
        if (inAt === null || Date.now() < inAt + shape.stayS * 1000) continue;
        if (entry.call.role === 'moderator') {
          const others = [...live.values()].filter((e) => e.call.room === entry.call.room && e.call.role === 'participant');
          const roomPlaced = others.length === everyone.filter((c) => c.room === entry.call.room && c.role === 'participant').length;
          if (!roomPlaced || others.some((e) => e.result === null)) continue;
        }
        entry.hangupDue = true;
        void entry.handle.hangUpNow().catch(() => undefined);
      }
      await sleep(100);
    }
  })();

  const before = cpuNow(side);
  const appStartKb = side.appPid === null ? null : rssKb(side.appPid);
  const windowStart = Date.now();
  try {
    progress(`${side.name}: placing ${plan.first.length} calls at ${shape.cps}/s`);
    await place(plan.first);
    if (plan.second.length > 0) {
      const deadline = Date.now() + PARK_TIMEOUT_MS;
      while (plan.first.some((c) => track(c)?.parkedAt == null && live.get(bare(c.callerNumber))?.result === null)) {
        if (Date.now() > deadline) throw new Error(`${side.name}: callers not parked on hold within ${PARK_TIMEOUT_MS} ms`);
        await sleep(100);
      }
      await sleep(1000);
      progress(`${side.name}: ${plan.first.length} waiting; placing ${plan.second.length} moderators`);
      await place(plan.second);
    }
    const results = await Promise.all([...live.values()].map((e) => e.handle.result));
    const answered = results.filter((r) => r.answered);
    const deadline = Date.now() + HANGUP_EVENTS_TIMEOUT_MS;
    const channelsOf = () => everyone.map(track).filter((t): t is ChannelTrack => t !== undefined);
    while (channelsOf().some((t) => t.hungUpAt === null) && Date.now() < deadline) await sleep(100);
    await sleep(SETTLE_MS);
    const after = cpuNow(side);
    const windowS = (Date.now() - windowStart) / 1000;
    sampler.sampleMemory();
    await sleep(AFTER_MS);
    const appAfterKb = side.appPid === null ? null : rssKb(side.appPid);
    if (failure.timeline !== null) throw failure.timeline;

    const byCaller = timeline.byCaller();
    const trackOf = (c: PlannedCall) => byCaller.get(bare(c.callerNumber));
    const joinMs = (c: PlannedCall) => {
      const t = trackOf(c);
      return t?.inConferenceAt != null && t.pinHashAt !== null ? t.inConferenceAt - t.pinHashAt : null;
    };
    const timed = shape.moderator === 'first' ? everyone : plan.second;
    const join = distribution(timed.map(joinMs).filter((v): v is number => v !== null));
    const release = shape.moderator === 'first' ? null : releaseTimes(plan, trackOf);
    const maxLiveCalls = maxOverlap(answered.map((r) => ({ start: r.answeredAt ?? 0, end: r.endedAt ?? r.answeredAt ?? 0 })));
    const per = Math.max(1, answered.length);
    const asteriskS = after.asterisk - before.asterisk;
    const appS = after.app === null || before.app === null ? null : after.app - before.app;
    const sippS = after.sipp - before.sipp;
    return {
      side: side.name,
      calls: everyone.length,
      answered: answered.length,
      inConference: everyone.filter((c) => trackOf(c)?.inConferenceAt != null).length,
      garbledDigits: everyone.filter((c) => {
        const t = trackOf(c);
        return t !== undefined && !t.digits.startsWith(c.digits);
      }).length,
      join,
      release,
      cpu: { asteriskS, appS, sippS, perCall: { asterisk: asteriskS / per, app: appS === null ? null : appS / per, total: (asteriskS + (appS ?? 0)) / per, sipp: sippS / per } },
      memory:
        appStartKb === null || appAfterKb === null
          ? { appStartKb: null, asteriskPeakKb: sampler.asteriskPeakKb }
          : { appStartKb, appPeakKb: sampler.appPeakKb, appAfterKb, perLiveCallKb: (sampler.appPeakKb - appStartKb) / Math.max(1, maxLiveCalls), asteriskPeakKb: sampler.asteriskPeakKb },
      maxLiveCalls,
      taskprocessors: { deepest: sampler.taskprocessors.deepest(3), ariApplication: sampler.taskprocessors.ariApplication(), polls: sampler.taskprocessors.polls },
      windowS,
      missing: everyone
        .filter((c) => trackOf(c)?.inConferenceAt == null)
        .slice(0, 10)
        .map((c) => {
          const t = trackOf(c);
          const r = live.get(bare(c.callerNumber))?.result ?? null;
          return { callerNumber: c.callerNumber, role: c.role, sent: c.digits, answered: r?.answered ?? false, hungUpBy: r?.hungUpBy ?? 'none', digits: t?.digits ?? null, parked: t?.parkedAt != null, inBridge: t?.inBridge ?? false };
        }),
    };
  } finally {
    hangingUp = false;
    await hangups;
    await Promise.all([...live.values()].filter((e) => e.result === null).map((e) => e.handle.hangUpNow().catch(() => undefined)));
    await sampler.stop();
    await ami.close();
  }
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
