// The ARI events tollbridge acts on, as one typed union, after the adapter has taken what
// it needs from ari-client's objects. Machines only ever see these.
export type CallEvent =
  | { type: 'call.start'; channelId: string; dialled: string; callerNumber: string | null; at: number }
  | { type: 'call.dtmf'; channelId: string; digit: string; at: number }
  | { type: 'call.end'; channelId: string; at: number };

/** ARI timestamps look like 2026-11-22T12:30:00.123+0000; Date.parse wants +00:00. */
export function parseAriTimestamp(timestamp: string | undefined, fallback: number): number {
  if (timestamp === undefined) return fallback;
  const parsed = Date.parse(timestamp.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isNaN(parsed) ? fallback : parsed;
}
