// Starting and stopping a room's conference recording, as the room's controls ask for it (a
// moderator's key in the call, the owner's live-control API). The controls only know this
// port; the recorder behind it (bridge recording, consent notice, the recordings table) is
// provided by the app, so the controls are tested without Asterisk.
export interface RecordingControl {
  /**
   * Starts recording the room's conference (its live bridge); everyone hears that the call is
   * recorded. False when the room is not live or already records (nothing changes then).
   */
  start(roomNumber: string, startedBy: string): Promise<boolean>;
  /** Stops it; false when the room was not recording. */
  stop(roomNumber: string, stoppedBy: string): Promise<boolean>;
  /** Recording, or a start asked for and not yet run (joiners are told and asked to consent meanwhile). */
  isRecording(roomNumber: string): boolean;
  /**
   * A start was asked for and waits its turn in the room's queue: the room counts as recording
   * from now; `start` settles it (undone if the recording does not start). Absent: not needed.
   */
  ask?(roomNumber: string): void;
}

/** For an app without a recorder: nothing ever records. */
export const noRecording: RecordingControl = {
  start: () => Promise.resolve(false),
  stop: () => Promise.resolve(false),
  isRecording: () => false,
};
