// Runs the load shape against one side and measures it: places the calls at the call rate,
// watches them through AMI (join-timeline.ts), keeps each caller `stay` seconds in the room
// after it got in (the moderator leaves last, after every participant of its room, so the
// room's moderator-leaves setting never comes into play), and meanwhile samples Asterisk's
// taskprocessors and the processes' memory. CPU is the difference of /proc counters over the
// window from the first call placed to the last channel gone.
import { KEY_GAP_MS, KEY_TONE_MS } from '../sipp/rtp-pcap.js';
import { openAmiSession } from './ami-session.js';
import type { LoadCall, LoadCallers } from './callers/load-callers.js';
import type { LightCallResult } from './callers/light-callers.js';
import { JoinTimeline, TIMELINE_CLASSES, TIMELINE_FILTERS, type ChannelTrack } from './join-timeline.js';
import { sideFigures, type SideReport } from './load-figures.js';
import type { LoadPlan, PlannedCall } from './load-plan.js';
import { Sampler, cpuCounters } from './load-sampler.js';
import type { RunningSide } from './load-side.js';
import { rssKb } from './proc-stats.js';

export type { SideReport } from './load-figures.js';

export interface RunShape {
  cps: number;
  stayS: number;
  moderator: 'first' | 'last';
  /** Seconds the app is left idle after the calls before its RSS is read a last time (0: not read). */
  idleS?: number;
}

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
  handle: LoadCall;
  result: LightCallResult | null;
  hangupDue: boolean;
}

export async function runSide(side: RunningSide, callers: LoadCallers, plan: LoadPlan, shape: RunShape, progress: (line: string) => void): Promise<SideReport> {
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
      const handle = callers.place({
        target: { host: '127.0.0.1', port: side.sipPort },
        dialled: call.dialled,
        callerNumber: call.callerNumber,
        steps: [{ pauseMs: PRE_DIGITS_PAUSE_MS }, { digits: call.digits }],
        hangupAfterMs: safetyMs,
      });
      const entry: LiveCall = { call, handle, result: null, hangupDue: false };
      void handle.result.then((r) => (entry.result = r), () => undefined);
      live.set(bare(call.callerNumber), entry);
      unended.add(entry);
    }
  };

  // Hang-ups: a participant `stay` s after it got in; a moderator once its room's participants
  // are gone. Counted per room, so a tick stays linear in the calls (a soak has thousands).
  const participantsPlanned = new Map<PlannedCall['room'], number>();
  for (const c of everyone) if (c.role === 'participant') participantsPlanned.set(c.room, (participantsPlanned.get(c.room) ?? 0) + 1);
  const participantsEnded = new Map<PlannedCall['room'], number>();
  const unended = new Set<LiveCall>();
  let hangingUp = true;
  const hangups = (async () => {
    while (hangingUp) {
      const byCaller = timeline.byCaller();
      for (const entry of live.values()) {
        if (entry.result === null || !unended.has(entry)) continue;
        unended.delete(entry);
        if (entry.call.role === 'participant') participantsEnded.set(entry.call.room, (participantsEnded.get(entry.call.room) ?? 0) + 1);
      }
      for (const entry of unended) {
        if (entry.hangupDue) continue;
        const inAt = byCaller.get(bare(entry.call.callerNumber))?.inConferenceAt ?? null;
        if (inAt === null || Date.now() < inAt + shape.stayS * 1000) continue;
        if (entry.call.role === 'moderator' && (participantsEnded.get(entry.call.room) ?? 0) < (participantsPlanned.get(entry.call.room) ?? 0)) continue;
        entry.hangupDue = true;
        entry.handle.hangUpNow();
      }
      await sleep(100);
    }
  })();

  const before = cpuCounters(side, callers);
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
    await Promise.all([...live.values()].map((e) => e.handle.result));
    const deadline = Date.now() + HANGUP_EVENTS_TIMEOUT_MS;
    const channelsOf = () => everyone.map(track).filter((t): t is ChannelTrack => t !== undefined);
    while (channelsOf().some((t) => t.hungUpAt === null) && Date.now() < deadline) await sleep(100);
    await sleep(SETTLE_MS);
    const after = cpuCounters(side, callers);
    const windowS = (Date.now() - windowStart) / 1000;
    sampler.sampleMemory();
    await sleep(AFTER_MS);
    const appAfterKb = side.appPid === null ? null : rssKb(side.appPid);
    // V8 gives pages back to the system when the app has been idle a while (its memory reducer),
    // so RSS read seconds after a soak differs from RSS read right after it: both are reported.
    const idleS = shape.idleS ?? 0;
    if (idleS > 0 && side.appPid !== null) progress(`${side.name}: app idle ${idleS} s before its RSS is read again`);
    if (idleS > 0) await sleep(idleS * 1000);
    const appIdleKb = idleS > 0 && side.appPid !== null ? rssKb(side.appPid) : null;
    if (failure.timeline !== null) throw failure.timeline;
    const results = new Map([...live.entries()].flatMap(([caller, e]) => (e.result === null ? [] : [[caller, e.result] as const])));
    return sideFigures({ side: side.name, plan, moderator: shape.moderator, tracks: timeline.byCaller(), results, before, after, callers: callers.kind, appStartKb, appAfterKb, appIdle: appIdleKb === null ? null : { afterS: idleS, kb: appIdleKb }, sampler, windowS });
  } finally {
    hangingUp = false;
    await hangups;
    const unfinished = [...live.values()].filter((e) => e.result === null);
    for (const e of unfinished) e.handle.hangUpNow();
    await Promise.race([Promise.all(unfinished.map((e) => e.handle.result)), sleep(HANGUP_EVENTS_TIMEOUT_MS)]);
    await sampler.stop();
    await ami.close();
  }
}
