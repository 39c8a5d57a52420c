// What each effect a room machine asks for does, on the ports: bridge moves and dismissals
// (ConferenceBridges), mutes and prompts for members (MemberChannels), recordings
// (RecordingControl) and the room's announcements (RoomAnnouncer). The order they run in is
// room-queue.ts's business.
import type { Logger } from 'pino';
import type { ConferenceBridges, RoomAnnouncer } from './ports.js';
import { noRecording, type RecordingControl } from './recording-control.js';
import { NO_MEMBER_CHANNELS, type MemberChannels } from './room-controls.js';
import type { CallbackBooking, RoomEffect } from './room-context.js';
import type { RecentStays } from './recent-stays.js';

export interface RoomOperationPorts {
  /** Mute and prompts for callers in a room (in-call controls); default: none. */
  members?: MemberChannels;
  /** Starts and stops a room's recording (key 6, the API); default noRecording. */
  recording?: RecordingControl;
  /** Plays the rooms' tones, names, counts and music; absent: they are not played. */
  announcer?: RoomAnnouncer;
  /** Where the stays of dropped callers are kept for a rejoin; absent: nobody rejoins. */
  stays?: RecentStays;
  /** Where callbacks are booked and, when the moderator arrives, dialled; absent: none are. */
  callbacks?: CallbackDesk;
}

/** The callbacks of rooms (app/calls/callbacks.ts): booked by waiting callers, dialled per room. */
export interface CallbackDesk {
  book(room: string, booking: CallbackBooking): void;
  /** Dials the room's bookings still good (within the maximum wait); each answered call joins as a participant. */
  place(room: string): void;
}

export class RoomOperations {
  constructor(
    private readonly bridges: ConferenceBridges,
    private readonly log: Logger,
    private readonly ports: RoomOperationPorts = {},
  ) {}

  apply(room: string, effect: RoomEffect): Promise<void> {
    switch (effect.op) {
      case 'admitLive':
        return this.bridges.admitLive(room, effect.channelIds, effect.stayMuted);
      case 'hold':
        return this.bridges.hold(room, effect.channelIds, effect.prompt, effect.then);
      case 'dismiss':
        return this.bridges.dismiss(effect.channelIds, effect.prompt, effect.reason);
      case 'release':
        return this.bridges.release(room);
      case 'mute':
        return (this.ports.members ?? NO_MEMBER_CHANNELS).mute(effect.channelIds, effect.muted);
      case 'tell':
        return (this.ports.members ?? NO_MEMBER_CHANNELS).tell(effect.channelIds, effect.media);
      case 'record':
        return this.record(room, effect.on, effect.by);
      case 'announce':
        return this.ports.announcer?.announce(room, effect.sounds, effect.language) ?? Promise.resolve();
      case 'greet':
        return this.ports.announcer?.tell(effect.channelId, effect.sounds) ?? Promise.resolve();
      case 'music':
        return this.ports.announcer?.music(room, effect.on) ?? Promise.resolve();
      case 'forgetName':
        return this.ports.announcer?.forgetName(effect.name) ?? Promise.resolve();
      case 'keepStay':
        this.ports.stays?.keep(room, effect.stay);
        return Promise.resolve();
      case 'bookCallback':
        this.ports.callbacks?.book(room, effect.booking);
        return Promise.resolve();
      case 'placeCallbacks':
        this.ports.callbacks?.place(room);
        return Promise.resolve();
    }
  }

  /**
   * A recording's start or stop is decided when asked, not when the queue reaches it: the room
   * counts as recording from then on, so a caller entering meanwhile hears the notice (and is
   * asked to consent) rather than being recorded unasked.
   */
  decided(room: string, effect: RoomEffect): RoomEffect {
    if (effect.op !== 'record') return effect;
    const recording = this.ports.recording ?? noRecording;
    const on = effect.on === 'toggle' ? !recording.isRecording(room) : effect.on;
    if (on) recording.ask?.(room);
    return { ...effect, on };
  }

  private async record(room: string, on: boolean | 'toggle', by: string): Promise<void> {
    const recording = this.ports.recording ?? noRecording;
    const start = on === 'toggle' ? !recording.isRecording(room) : on;
    const changed = start ? await recording.start(room, by) : await recording.stop(room, by);
    this.log.info({ room, recording: start, changed, by }, start ? 'recording asked to start' : 'recording asked to stop');
  }
}
