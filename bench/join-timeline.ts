// What each caller's channel went through, from Asterisk's own AMI events and their
// Timestamp headers (manager.conf timestampevents; microseconds, taken when the manager
// dispatches the event). The same rules serve both sides of the load bench:
//   PIN '#'        the DTMFEnd (Direction Received, Digit #) that ends the PIN: the second '#'
//                  of `<room>#<pin>#`;
//   parked         after that '#', the channel entered a bridge that is not the conference
//                  (tollbridge's hold bridge) or music on hold started (ConfBridge's
//                  wait_marked users);
//   in conference  the first instant after that '#' at which the channel is in the conference
//                  bridge and not on music on hold (a ConfBridge user waiting for the marked
//                  user sits in the bridge on hold and is released when its MOH stops; a
//                  MOH stop after the caller asked to hang up is not a release; tollbridge's
//                  waiting callers stand muted in the conference bridge of a room marked
//                  waiting, TOLLBRIDGE_HOLD_<room> = 1 (bridge/hold-marks.ts), and are in when
//                  the mark is cleared: the app clears it after Asterisk answered every unmute,
//                  so the figure is no earlier than the release; a moderator entering a room so
//                  marked counts as in at the same instant).
// Channels are matched to the bench's calls by caller number (each call has its own).
import { header, type AmiMessage } from './ami-session.js';

/** AMI's "1764622993.123456" (seconds) as epoch ms. */
export function amiTime(event: AmiMessage): number {
  const ms = Number(header(event, 'timestamp')) * 1000;
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`AMI event ${header(event, 'event')} has no Timestamp header: is timestampevents = yes in manager.conf?`);
  return ms;
}

export interface BridgeFields {
  uniqueid: string;
  name: string;
  creator: string;
}

export interface ChannelTrack {
  uniqueid: string;
  callerNumber: string;
  /** Every key Asterisk reported, in order. */
  digits: string;
  hashes: number;
  pinHashAt: number | null;
  parkedAt: number | null;
  inConferenceAt: number | null;
  hungUpAt: number | null;
  inBridge: boolean;
  onHold: boolean;
  /** The room of the conference bridge it stands in, while its room is marked waiting (tollbridge). */
  waitingIn: string | null;
  hangupRequested: boolean;
  /** The events after the PIN's '#', as "Name+ms" from it: what a caller that never got in went through. */
  trail: string[];
}

/** AMI classes and event filters the timeline needs. */
export const TIMELINE_CLASSES = 'call,dtmf,dialplan';
export const TIMELINE_FILTERS = [
  'Event: DTMFEnd',
  'Event: BridgeEnter',
  'Event: BridgeLeave',
  'Event: MusicOnHoldStart',
  'Event: MusicOnHoldStop',
  'Event: HangupRequest',
  'Event: SoftHangupRequest',
  'Event: Hangup',
  // Global VarSet of tollbridge's waiting marks only (class "dialplan"; other VarSets stay in Asterisk).
  'Variable: TOLLBRIDGE_HOLD_',
];

const HOLD_MARK = /^TOLLBRIDGE_HOLD_(.+)$/;

/** VarSet's variable name: asterisk-manager parses a "Variable: NAME" line into { NAME: '' }. */
function variableName(event: AmiMessage): string {
  const raw = event.variable;
  if (typeof raw === 'string') return raw;
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) return Object.keys(raw)[0] ?? '';
  return '';
}
/** The room of a tollbridge conference bridge, by its id (tollbridge-live-<room>). */
const LIVE_ROOM = /^tollbridge-live-(.+)$/;

const PIN_HASH = 2;

export class JoinTimeline {
  private readonly tracks = new Map<string, ChannelTrack>();
  /** Rooms marked waiting now (TOLLBRIDGE_HOLD_<room> = 1). */
  private readonly waitingRooms = new Set<string>();
  /**
   * `callers`: caller numbers of the bench's calls (without '+'); `isConference`: whether a
   * bridge is the side's conference bridge.
   */
  constructor(private readonly callers: ReadonlySet<string>, private readonly isConference: (bridge: BridgeFields) => boolean) {}

  channels(): ChannelTrack[] {
    return [...this.tracks.values()];
  }

  byCaller(): Map<string, ChannelTrack> {
    return new Map(this.channels().map((t) => [t.callerNumber, t]));
  }

  onEvent(event: AmiMessage): void {
    if (header(event, 'event') === 'VarSet') {
      this.holdMark(event);
      return;
    }
    const track = this.trackFor(event);
    if (track === null) return;
    const at = amiTime(event);
    const pinDone = track.hashes >= PIN_HASH;
    const name = header(event, 'event');
    if (pinDone && track.pinHashAt !== null && name !== 'DTMFEnd' && track.trail.length < 20) track.trail.push(`${name}+${(at - track.pinHashAt).toFixed(0)}`);
    switch (name) {
      case 'DTMFEnd':
        if (header(event, 'direction') !== 'Received') return;
        track.digits += header(event, 'digit');
        if (header(event, 'digit') === '#') {
          track.hashes++;
          if (track.hashes === PIN_HASH) track.pinHashAt = at;
        }
        return;
      case 'BridgeEnter': {
        if (!pinDone) return;
        const bridge = { uniqueid: header(event, 'bridgeuniqueid'), name: header(event, 'bridgename'), creator: header(event, 'bridgecreator') };
        if (this.isConference(bridge)) {
          track.inBridge = true;
          const room = LIVE_ROOM.exec(bridge.uniqueid)?.[1];
          if (room !== undefined && this.waitingRooms.has(room)) {
            track.waitingIn = room;
            track.parkedAt ??= at;
          }
        } else track.parkedAt ??= at;
        break;
      }
      case 'BridgeLeave':
        if (this.isConference({ uniqueid: header(event, 'bridgeuniqueid'), name: header(event, 'bridgename'), creator: header(event, 'bridgecreator') })) track.inBridge = false;
        break;
      case 'MusicOnHoldStart':
        if (!pinDone) return;
        track.onHold = true;
        track.parkedAt ??= at;
        break;
      case 'MusicOnHoldStop':
        if (track.hangupRequested) return;
        track.onHold = false;
        break;
      case 'HangupRequest':
      case 'SoftHangupRequest':
        track.hangupRequested = true;
        return;
      case 'Hangup':
        track.hungUpAt = at;
        track.inBridge = false;
        return;
      default:
        return;
    }
    this.settle(track, at);
  }

  private settle(track: ChannelTrack, at: number): void {
    if (track.inConferenceAt === null && track.hashes >= PIN_HASH && track.inBridge && !track.onHold && track.waitingIn === null && !track.hangupRequested) track.inConferenceAt = at;
  }

  /** A room marked waiting, or cleared: its callers standing in the conference bridge are in. */
  private holdMark(event: AmiMessage): void {
    const room = HOLD_MARK.exec(variableName(event))?.[1];
    if (room === undefined) return;
    if (header(event, 'value') === '1') {
      this.waitingRooms.add(room);
      return;
    }
    this.waitingRooms.delete(room);
    const at = amiTime(event);
    for (const track of this.tracks.values()) {
      if (track.waitingIn !== room) continue;
      track.waitingIn = null;
      this.settle(track, at);
    }
  }

  private trackFor(event: AmiMessage): ChannelTrack | null {
    const uniqueid = header(event, 'uniqueid');
    if (uniqueid === '') return null;
    const known = this.tracks.get(uniqueid);
    if (known !== undefined) return known;
    const callerNumber = header(event, 'calleridnum').replace(/^\+/, '');
    if (!this.callers.has(callerNumber)) return null;
    const track: ChannelTrack = { uniqueid, callerNumber, digits: '', hashes: 0, pinHashAt: null, parkedAt: null, inConferenceAt: null, hungUpAt: null, inBridge: false, onHold: false, waitingIn: null, hangupRequested: false, trail: [] };
    this.tracks.set(uniqueid, track);
    return track;
  }
}
