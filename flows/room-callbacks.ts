// "Call me back when the moderator arrives", the room's part: a participant put on hold is
// offered the key once (after "please wait for the leader"), if the room allows it and their
// number may be dialled (domain/callback.ts); pressing it while still waiting books the callback
// and ends the waiting call ("thank you", hung up, leg reason `callback`); the moderator's
// arrival dials every booking of the room (the booking desk, app/calls/callbacks.ts). The
// number is always the waiting caller's own; a second press, a caller in the conference, or a
// number refused hears "that feature is not available" and keeps waiting.
import { InCallPrompt } from '../ivr/in-call-keys.js';
import { callbackRefusal, dialBackNumber } from '../domain/callback.js';
import type { RoomContext } from './room-context.js';
import { roomSetup } from './room-setup.js';

const { enqueueActions } = roomSetup;

/** The offer heard after the hold prompt: "to call back, press 7". */
export const CALLBACK_OFFER = [InCallPrompt.callbackOffer, InCallPrompt.press, InCallPrompt.callbackKey];

/** Whether this caller, waiting in this room, may be called back. */
export function mayBeCalledBack(context: Pick<RoomContext, 'callbackEnabled' | 'callbacks'>, callerNumber: string | null): boolean {
  return context.callbackEnabled && callbackRefusal(callerNumber, context.callbacks) === null;
}

export const callbackActions = {
  askCallback: enqueueActions(({ context, event, enqueue }) => {
    if (event.type !== 'CALLBACK') return;
    const by = event.by;
    const details = context.details[by];
    // mayBeCalledBack implies a dialable number; the null check is for the type.
    const number = mayBeCalledBack(context, details?.callerNumber ?? null) ? dialBackNumber(details?.callerNumber ?? null) : null;
    const dialled = details?.dialled;
    if (!context.waiting.includes(by) || context.callbackAsked.includes(by) || number === null || dialled === undefined) {
      enqueue({ type: 'perform', params: { op: 'tell', channelIds: [by], media: [`sound:${InCallPrompt.notAvailable}`] } });
      return;
    }
    enqueue.assign({ callbackAsked: [...context.callbackAsked, by] });
    enqueue({ type: 'perform', params: { op: 'bookCallback', booking: { channelId: by, number, dialled, waitingSince: details?.joinedAt ?? null } } });
    enqueue({ type: 'perform', params: { op: 'dismiss', channelIds: [by], prompt: InCallPrompt.callbackBooked, reason: 'callback' } });
  }),
};
