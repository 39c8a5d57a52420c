// What the edge (bridge/, over ARI) reports about a call, as one typed union, after the adapter
// has taken what it needs from ari-client's objects; a room member's key, which comes over AMI
// (bridge/in-room-events.ts) but passes the same ordered gate; and how a call is refused before answer.

/** Which of a room's bridges, as Asterisk reports a channel entering or leaving it. */
export type BridgeKind = 'live' | 'hold';

/** One ARI event the app acts on, as the adapter reports it (app/ routes it to the call's machines). */
export type CallEvent =
  /** `callbackId`: a callback the bridge dialled (app/calls/callbacks.ts), answered: it claims that booking. */
  | { type: 'call.start'; channelId: string; dialled: string; callerNumber: string | null; at: number; callbackId?: string }
  | { type: 'call.dtmf'; channelId: string; digit: string; at: number }
  /** AMI's DTMFEnd of a quiet conference member (in-room-events.ts): the app no longer hears its ARI events. */
  | { type: 'room.key'; channelId: string; digit: string; at: number }
  /**
   * StasisEnd, with the ChannelHangupRequest that came before it, if one did; `quiet`: the app
   * had stopped hearing the channel's own events (a conference member), so none could come.
   */
  | { type: 'call.end'; channelId: string; at: number; hangupRequest: HangupRequest | null; quiet: boolean }
  /**
   * ChannelEnteredBridge / ChannelLeftBridge, only for a room's bridges (tollbridge-live-*,
   * tollbridge-hold-*); `told`: told by the app, not Asterisk, when a waiting caller is held or
   * released inside the live bridge (bridge/waiting-places.ts).
   */
  | { type: 'bridge.entered'; channelId: string; room: string; bridge: BridgeKind; told?: true }
  | { type: 'bridge.left'; channelId: string; room: string; bridge: BridgeKind; told?: true }
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
 * Why a call is refused before it is answered; each maps to a SIP final response:
 * 'unallocated' 404 (number not in service), 'unavailable' 503 (our fault: try elsewhere),
 * 'busy' 486 (too many calls not yet in a room: the caller may try later).
 */
export type RefusalCause = 'unallocated' | 'unavailable' | 'busy';
