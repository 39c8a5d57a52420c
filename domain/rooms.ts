// A room's settings that more than one part reads: what happens when its last moderator
// leaves, and what its callers hear beyond the IVR (db: rooms, migration 012; the sounds
// each moment plays: flows/announcements.ts).

/** When the last moderator leaves: end the conference, let it go on, or hold the others until one is back. */
export type ModeratorLeavePolicy = 'end' | 'continue' | 'wait';

export interface RoomAnnouncements {
  joinLeaveTones: boolean;
  announceCount: boolean;
  aloneMusic: boolean;
  recordNames: boolean;
  recordingConsent: boolean;
  /** Name recordings stay after the call (otherwise deleted when the caller has left). */
  keepRecordings: boolean;
}

/** A room that asks for nothing (what a room without these settings does: unit tests' rooms). */
export const NO_ANNOUNCEMENTS: RoomAnnouncements = {
  joinLeaveTones: false,
  announceCount: false,
  aloneMusic: false,
  recordNames: false,
  recordingConsent: false,
  keepRecordings: false,
};

/** A new room's settings (the migration's column defaults). */
export const DEFAULT_ANNOUNCEMENTS: RoomAnnouncements = { ...NO_ANNOUNCEMENTS, joinLeaveTones: true, announceCount: true, aloneMusic: true };

/**
 * A room's callbackEnabled: whether a participant waiting for the moderator may hang up and be
 * called back when one arrives (the callback is a leg charged to the room's owner at the
 * 'callback' rate: domain/legs.ts LegKind). On for a new room (migration 019's default).
 */
export const DEFAULT_CALLBACK_ENABLED = true;
