// What callers in a room do that the app hears over AMI, not ARI: the keys they press and,
// while someone watches the room's event stream, when they talk.
//
// Why AMI: conference members are quiet (channel-subscriptions.ts): the app unsubscribed from
// their channels so that Asterisk's one ARI event queue for the app stays short under load, and
// ChannelDtmfReceived / ChannelTalkingStarted are events of the member's own channel, so they
// no longer come over ARI. Subscribing again would bring back every ChannelVarset a mixing bridge
// sends its members on each join and leave (n² events). AMI's DTMFEnd and
// ChannelTalkingStart/Stop come over the manager's own connection (its own queue, filtered by
// manager.conf to the few events the app reads), one small event per key or per talk spurt,
// whatever the room's size. AMI's Uniqueid is Asterisk's channel id, which ARI uses as the
// channel's id (the hang-up requests rely on the same, hangup-requests.ts).
// Keys of channels the app still hears over ARI (in the IVR) come over ARI only: the AMI copy
// is dropped here, and the ARI copy of a quiet channel's key is dropped by the app, so each key
// counts once.
import type { Logger } from 'pino';
import type { AmiSession } from './ami-session.js';
import type { AriClientSource } from './ari-client-source.js';
import type { ChannelSubscriptions } from './channel-subscriptions.js';

export interface InRoomListener {
  key(channelId: string, digit: string): void;
  talking(channelId: string, talking: boolean): void;
}

/** The AMI events read here (manager.conf's filter lets them through: asterisk/config-render.ts). */
export const IN_ROOM_AMI_EVENTS = ['DTMFEnd', 'ChannelTalkingStart', 'ChannelTalkingStop'];

export function listenInRoom(ami: Pick<AmiSession, 'onEvent'>, subscriptions: Pick<ChannelSubscriptions, 'isQuiet'>, to: InRoomListener, log: Logger): void {
  ami.onEvent('DTMFEnd', (event) => {
    const channelId = event.uniqueid;
    log.trace({ channelId, digit: event.digit, direction: event.direction, quiet: channelId !== undefined && subscriptions.isQuiet(channelId) }, 'AMI DTMFEnd');
    // Received: from the caller. A mixing bridge passes the key on to the others (Sent).
    if (channelId === undefined || event.direction !== 'Received' || event.digit === undefined) return;
    if (!subscriptions.isQuiet(channelId)) return;
    to.key(channelId, event.digit);
  });
  ami.onEvent('ChannelTalkingStart', (event) => {
    if (event.uniqueid !== undefined) to.talking(event.uniqueid, true);
  });
  ami.onEvent('ChannelTalkingStop', (event) => {
    if (event.uniqueid !== undefined) to.talking(event.uniqueid, false);
  });
}

/**
 * Asterisk's talk detection (TALK_DETECT) on a room's members. It runs a DSP on each caller's
 * audio, so it is on only while someone watches the room's event stream.
 */
export class TalkDetection {
  constructor(
    private readonly ari: AriClientSource,
    private readonly log: Logger,
  ) {}

  set(channelIds: string[], on: boolean): void {
    for (const channelId of channelIds) {
      this.ari.rest
        .setChannelVar(channelId, on ? 'TALK_DETECT(set)' : 'TALK_DETECT(remove)', '')
        .catch((err: unknown) => this.log.debug({ err, channelId, on }, 'talk detection not changed (gone?)'));
    }
  }
}
