// Carries out a resync plan (resync-plan.ts) against the running machines: reads Asterisk and
// the ledger, rebuilds rooms and calls where they stand, and ends what ended while the app
// could not see it, at the end Asterisk recorded (CallRecords) or, failing that, at `fallbackEnd`.
import type { Logger } from 'pino';
import type { AsteriskSnapshot } from '../../bridge/ari-snapshot.js';
import { channelsOfSystem } from '../../bridge/channel-ids.js';
import type { AriConference } from '../../bridge/ari-conference.js';
import type { ChannelSubscriptions } from '../../bridge/channel-subscriptions.js';
import type { CallResume } from '../../flows/call-machine.js';
import type { CallRouter } from '../../flows/call-router.js';
import type { CallRecords, Directory, LegRecovery, RoomInfo, UsageLedger } from '../../flows/ports.js';
import type { RoomRegistry } from '../../flows/room-registry.js';
import { planResync, type PlannedResume, type ResyncPlan } from './resync-plan.js';

export interface ResyncDeps {
  /** Asterisk's truth now (bridge/ari-snapshot.ts readAsterisk). */
  readAsterisk: () => Promise<AsteriskSnapshot>;
  /** This Asterisk's systemname: only legs of its channels are closed (others belong to other bridge processes). */
  systemName: string;
  router: CallRouter;
  rooms: RoomRegistry;
  conference: Pick<AriConference, 'knowOnly'>;
  subscriptions: Pick<ChannelSubscriptions, 'adopt'>;
  directory: Directory;
  ledger: UsageLedger;
  legRecovery: LegRecovery | undefined;
  callRecords: CallRecords;
  /** Conference recordings running before the restart, followed again (app/calls/conference-recorder.ts). */
  recordings?: { resume(rebuiltRooms: ReadonlyMap<string, readonly string[]>): Promise<{ resumed: number; finished: number }> };
  log: Logger;
}

export interface ResyncSummary {
  resumed: number;
  fresh: number;
  ended: number;
  orphanLegs: number;
  rooms: number;
  approximateEnds: number;
  recordingsResumed: number;
}

/**
 * `endsSeen`: hang-ups heard while the resync ran (their exact time beats any record).
 * `fallbackEnd`: when nothing recorded a gone channel's end (the moment the app lost sight of it).
 */
export async function resync(deps: ResyncDeps, endsSeen: ReadonlyMap<string, number>, fallbackEnd: number): Promise<ResyncSummary> {
  const { log } = deps;
  const [snapshot, openLegs] = await Promise.all([deps.readAsterisk(), deps.legRecovery?.openLegs() ?? Promise.resolve([])]);
  const plan = planResync(snapshot, openLegs, new Set(deps.router.channelIds()), channelsOfSystem(deps.systemName));
  deps.conference.knowOnly(plan.bridgeIds, plan.places);
  const members = plan.rooms.flatMap(({ members: m }) => [...m.moderators, ...m.live, ...m.waiting]);
  await deps.subscriptions.adopt(members).catch((err: unknown) => log.warn({ err }, 'could not read which channels the app hears'));

  const roomInfos = await lookUpRooms(deps, plan);
  let approximateEnds = 0;
  const endOf = async (channelId: string): Promise<number> => {
    const seen = endsSeen.get(channelId);
    if (seen !== undefined) return seen;
    const recorded = await deps.callRecords.endOf(channelId).catch((err: unknown) => {
      log.warn({ err, channelId }, 'call records unreadable');
      return null;
    });
    if (recorded !== null) return recorded;
    approximateEnds++;
    log.warn({ channelId, endedAt: fallbackEnd }, 'no record of this channel\'s end: leg closed when the app noticed (approximate)');
    return fallbackEnd;
  };
  const [endedAt, orphanEndedAt] = await Promise.all([
    Promise.all(plan.endedCalls.map(endOf)),
    Promise.all(plan.orphanLegs.map(endOf)),
  ]);

  // Rooms rebuilt, with who is in each one's conference (present in a recording running there).
  const rebuilt = new Map(plan.rooms.filter((r) => roomInfos.has(r.room)).map((r) => [r.room, [...r.members.moderators, ...r.members.live]]));
  const recordings = (await deps.recordings?.resume(rebuilt)) ?? { resumed: 0, finished: 0 };

  // From here on everything is synchronous: no event can slip between the rooms and their calls.
  for (const { room, members } of plan.rooms) {
    const info = roomInfos.get(room);
    if (info !== undefined) deps.rooms.restore(info, members, snapshot.roomControls?.get(room));
  }
  let resumed = 0;
  for (const { start, resume } of plan.resumes) {
    const callResume = toCallResume(resume, roomInfos);
    if (callResume === null) {
      log.error({ channelId: start.channelId, room: 'room' in resume ? resume.room : null }, 'room of a resumed call not found: asking for the room again');
    }
    deps.router.callResumed(start, callResume ?? { step: 'enteringRoom', accountId: resume.accountId, answeredAt: resume.answeredAt });
    resumed++;
  }
  for (const start of plan.fresh) deps.router.callStarted(start);
  // Ghosts leave before any moderator does, so a room's policy moves only callers still there.
  const moderators = deps.rooms.moderators();
  const ended = plan.endedCalls.map((id, i) => ({ id, at: endedAt[i] as number }));
  for (const { id, at } of [...ended.filter((e) => !moderators.has(e.id)), ...ended.filter((e) => moderators.has(e.id))]) deps.router.callEnded(id, at);
  await Promise.all(
    plan.orphanLegs.map((id, i) =>
      deps.ledger.closeLeg(id, orphanEndedAt[i] as number).catch((err: unknown) => log.error({ err, channelId: id }, 'closing a leg whose channel is gone failed')),
    ),
  );
  const summary = { resumed, fresh: plan.fresh.length, ended: plan.endedCalls.length, orphanLegs: plan.orphanLegs.length, rooms: plan.rooms.length, approximateEnds, recordingsResumed: recordings.resumed };
  log.info(summary, 'resynchronised with Asterisk');
  return summary;
}

/**
 * The rooms of the plan; a room that does not exist is left out (its callers are asked for a
 * room again). A database error is no answer: it fails the resync, which is tried again, and
 * the callers stay where Asterisk has them meanwhile.
 */
async function lookUpRooms(deps: ResyncDeps, plan: ResyncPlan): Promise<Map<string, RoomInfo>> {
  const numbers = new Set(plan.rooms.map((r) => r.room));
  for (const { resume } of plan.resumes) if ('room' in resume) numbers.add(resume.room);
  const found = await Promise.all(
    [...numbers].map(async (n) => {
      try {
        return [n, await deps.directory.findRoom(n)] as const;
      } catch (err) {
        throw new Error(`room ${n} could not be looked up: the resync waits for the database`, { cause: err });
      }
    }),
  );
  return new Map(found.filter((e): e is readonly [string, RoomInfo] => e[1] !== null));
}

function toCallResume(resume: PlannedResume, rooms: ReadonlyMap<string, RoomInfo>): CallResume | null {
  const facts = { accountId: resume.accountId, answeredAt: resume.answeredAt };
  switch (resume.step) {
    case 'enteringRoom':
    case 'goodbye':
      return { ...facts, step: resume.step };
    case 'enteringPin': {
      const room = rooms.get(resume.room);
      return room === undefined ? null : { ...facts, step: 'enteringPin', room };
    }
    case 'inRoom': {
      const room = rooms.get(resume.room);
      if (room === undefined) return null;
      return { ...facts, step: 'inRoom', room, role: resume.role, placed: resume.placed, ...(resume.bridge === undefined ? {} : { bridge: resume.bridge }) };
    }
  }
}
