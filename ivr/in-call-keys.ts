// The keys a caller presses once in the room, and what each asks of the room. Close to
// Asterisk ConfBridge's (and MeetMe's) admin menu, without its '*' prefix: one key, one control.
//
//   key  who          control
//   1    everyone     mute / unmute yourself            hears conf-muted / conf-unmuted
//   2    moderator    lock / unlock the room            hears conf-lockednow / conf-unlockednow
//   3    moderator    remove the last participant who joined (moderators are never removed by key)
//                                                      the removed caller hears conf-kicked
//   4    moderator    mute / unmute everyone but moderators
//                                                      everyone hears conf-now-muted / conf-now-unmuted
//   5    everyone     hear how many are in the room     conf-thereare <n> conf-peopleinconf
//                                                      (alone: conf-onlyperson)
//   6    moderator    start / stop recording (the recorder's own notice is heard by everyone)
//   8    moderator    end the conference for everyone   everyone hears vm-goodbye, then is hung up
//   9    everyone     leave                             hears vm-goodbye, then is hung up
//   7    participant  waiting for the moderator: hang up and be called back when the moderator
//                     arrives (offered once while waiting; flows/room-callbacks.ts, domain/callback.ts)
//   *    everyone     help                              conf-usermenu (participant) / conf-adminmenu
//                                                      (moderator): Asterisk's stock menu prompts,
//                                                      which name keys 1 and 2 only
// A participant's press of a moderator key does nothing (the digit still reaches the room, as in
// ConfBridge). 0 and # are free.
import type { Role } from '../domain/roles.js';

/** What a key asks of the room, toggles resolved by the room machine against its state. */
export type KeyControl = 'muteSelf' | 'lock' | 'removeLast' | 'muteAll' | 'count' | 'record' | 'end' | 'leave' | 'help' | 'callback';

const KEYS: Record<string, { control: KeyControl; moderatorOnly: boolean; participantOnly?: boolean }> = {
  '1': { control: 'muteSelf', moderatorOnly: false },
  '2': { control: 'lock', moderatorOnly: true },
  '3': { control: 'removeLast', moderatorOnly: true },
  '4': { control: 'muteAll', moderatorOnly: true },
  '5': { control: 'count', moderatorOnly: false },
  '6': { control: 'record', moderatorOnly: true },
  '7': { control: 'callback', moderatorOnly: false, participantOnly: true },
  '8': { control: 'end', moderatorOnly: true },
  '9': { control: 'leave', moderatorOnly: false },
  '*': { control: 'help', moderatorOnly: false },
};

/** The control a key asks for, or null (no such key, or a moderator's key pressed by a participant). */
export function controlForKey(digit: string, role: Role): KeyControl | null {
  const key = KEYS[digit];
  if (key === undefined || (key.moderatorOnly && role !== 'moderator') || (key.participantOnly === true && role !== 'participant')) return null;
  return key.control;
}

/** Stock prompts (asterisk-core-sounds) heard in the room. */
export const InCallPrompt = {
  muted: 'conf-muted',
  unmuted: 'conf-unmuted',
  lockedNow: 'conf-lockednow',
  unlockedNow: 'conf-unlockednow',
  roomMuted: 'conf-now-muted',
  roomUnmuted: 'conf-now-unmuted',
  thereAre: 'conf-thereare',
  peopleInConference: 'conf-peopleinconf',
  onlyPerson: 'conf-onlyperson',
  removed: 'conf-kicked',
  goodbye: 'vm-goodbye',
  participantHelp: 'conf-usermenu',
  moderatorHelp: 'conf-adminmenu',
  /** "To call back ... press 7": offered once to a waiting participant who may be called back. */
  callbackOffer: 'vm-tocallback',
  press: 'vm-press',
  callbackKey: 'digits/7',
  /** The callback is booked: "thank you", then we hang up. */
  callbackBooked: 'auth-thankyou',
  /** The key does nothing for this caller (not waiting, not allowed, asked already). */
  notAvailable: 'feature-not-avail-line',
  /** A callback answered: "you are entering conference number" and the room's digits. */
  enteringRoom: 'conf-enteringno',
} as const;

/** ARI media for "there are <n> people in the conference" (or "you are the only person"). */
export function countMedia(headcount: number): string[] {
  if (headcount <= 1) return [`sound:${InCallPrompt.onlyPerson}`];
  return [`sound:${InCallPrompt.thereAre}`, `number:${headcount}`, `sound:${InCallPrompt.peopleInConference}`];
}
