// The ARI events tollbridge acts on, as one typed union, after the adapter has taken what
// it needs from ari-client's objects. Machines only ever see these.
export type CallEvent =
  | { type: 'call.start'; channelId: string; dialled: string; callerNumber: string | null; at: number }
  | { type: 'call.dtmf'; channelId: string; digit: string; at: number }
  | { type: 'call.end'; channelId: string; at: number };

/**
 * The ARI event types the app asks Asterisk to send (Asterisk 22's per-application event
 * filter). Everything else stays in Asterisk: above all ChannelVarset, which a mixing bridge
 * sends to every member each time anyone joins or leaves (BRIDGEPEER, BRIDGEPVTCALLID), so a
 * room of n callers costs n² events (1,864 of 2,827 events, 1.47 of 2.0 MB, for 40 callers).
 */
export const ARI_EVENT_TYPES = ['StasisStart', 'StasisEnd', 'ChannelDtmfReceived', 'ChannelStateChange', 'PlaybackFinished'] as const;

/** ARI timestamps look like 2026-11-22T12:30:00.123+0000; Date.parse wants +00:00. */
export function parseAriTimestamp(timestamp: string | undefined, fallback: number): number {
  if (timestamp === undefined) return fallback;
  const parsed = Date.parse(timestamp.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isNaN(parsed) ? fallback : parsed;
}
