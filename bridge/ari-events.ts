// The ARI events tollbridge acts on, as one typed union, after the adapter has taken what
// it needs from ari-client's objects; and a room member's key, which comes over AMI
// (in-room-events.ts) but passes the same ordered gate. Machines only ever see these.
import type { BridgeKind } from '../flows/ports.js';

export type CallEvent =
  | { type: 'call.start'; channelId: string; dialled: string; callerNumber: string | null; at: number }
  | { type: 'call.dtmf'; channelId: string; digit: string; at: number }
  /** AMI's DTMFEnd of a quiet conference member (in-room-events.ts): the app no longer hears its ARI events. */
  | { type: 'room.key'; channelId: string; digit: string; at: number }
  /**
   * StasisEnd, with the ChannelHangupRequest that came before it, if one did; `quiet`: the app
   * had stopped hearing the channel's own events (a conference member), so none could come.
   */
  | { type: 'call.end'; channelId: string; at: number; hangupRequest: HangupRequest | null; quiet: boolean }
  /** ChannelEnteredBridge / ChannelLeftBridge, only for a room's bridges (tollbridge-live-*, tollbridge-hold-*). */
  | { type: 'bridge.entered'; channelId: string; room: string; bridge: BridgeKind }
  | { type: 'bridge.left'; channelId: string; room: string; bridge: BridgeKind }
  /** BridgeCreated / BridgeDestroyed of a room's bridge: which bridges exist is Asterisk's to say. */
  | { type: 'bridge.created'; bridgeId: string }
  | { type: 'bridge.destroyed'; bridgeId: string };

/**
 * ARI's ChannelHangupRequest: `soft` requests carry the AST_SOFTHANGUP_* flag that asked for it
 * as `cause` (1: the channel driver, 32: explicit, e.g. ARI's DELETE); others the Q.850 cause
 * when one is known (a plain BYE carries none).
 */
export interface HangupRequest {
  cause: number | null;
  soft: boolean;
}

/**
 * The ARI event types the app asks Asterisk to send (Asterisk 22's per-application event
 * filter). Everything else stays in Asterisk: above all ChannelVarset, which a mixing bridge
 * sends to every member each time anyone joins or leaves (BRIDGEPEER, BRIDGEPVTCALLID), so a
 * room of n callers costs n² events (1,864 of 2,827 events, 1.47 of 2.0 MB, for 40 callers).
 * ChannelEnteredBridge and ChannelLeftBridge carry the whole bridge snapshot (every member's
 * id): the handler reads only the bridge id and the channel id, so an event costs the same at
 * 2 or 200 callers. ChannelStateChange gives Asterisk's answer time; ChannelHangupRequest who
 * asked for a hang-up (the leg's end reason). RecordingFinished/Failed: when a name or a
 * conference recording is complete on disk (one event per recording). BridgeCreated/Destroyed:
 * which room bridges exist (Asterisk sends them for bridges the app is subscribed to: while
 * one of its channels is in them).
 */
export const ARI_EVENT_TYPES = [
  'StasisStart',
  'StasisEnd',
  'ChannelDtmfReceived',
  'ChannelStateChange',
  'PlaybackFinished',
  'ChannelEnteredBridge',
  'ChannelLeftBridge',
  'ChannelHangupRequest',
  // A caller's name recording and a conference recording ending (bridge/recording-ends.ts).
  'RecordingFinished',
  'RecordingFailed',
  // The room bridges that exist (bridge/ari-conference.ts keeps them).
  'BridgeCreated',
  'BridgeDestroyed',
] as const;

/** ARI timestamps look like 2026-11-22T12:30:00.123+0000; Date.parse wants +00:00. */
export function parseAriTimestamp(timestamp: string | undefined, fallback: number): number {
  if (timestamp === undefined) return fallback;
  const parsed = Date.parse(timestamp.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isNaN(parsed) ? fallback : parsed;
}
