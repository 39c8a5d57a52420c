// The ARI events tollbridge asks for, and ARI's timestamps. What the adapter makes of those
// events, the only form machines see, is domain/call-events.ts CallEvent.

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
