// What a room's callers hear beyond the IVR (the room's settings: domain/rooms.ts): the sounds
// each moment plays, as pure functions (stock Asterisk prompts, in the room's
// language: Asterisk picks sounds/<language>/<name>):
//   someone joins        the conference hears a beep, or "<name> is now in the conference"
//   someone leaves       the conference hears a beep, or "<name> has left the conference"
//   someone rejoins      (back within the rejoin window after a dropped call: recent-stays.ts)
//                        the conference hears their name, if recorded, then two beeps: not
//                        a new join (the stock prompts have no spoken "rejoined")
//   a caller enters      they hear "you are currently the only person in this conference",
//                        "there is currently one other participant", or "there are currently
//                        <n> other participants"
//   alone in the room    music on hold, until a second caller arrives
//   recording runs       a joining caller hears "the conference is now being recorded" first;
//                        with consent required, "press 1" too (else kept out)

export const AnnouncementPrompt = {
  tone: 'beep',
  hasJoined: 'conf-hasjoin',
  hasLeft: 'conf-hasleft',
  onlyPerson: 'conf-onlyperson',
  oneOther: 'conf-onlyone',
  thereAre: 'conf-thereare',
  otherParticipants: 'conf-otherinparty',
  nowRecording: 'conf-now-recording',
  /** "press" (then the digit 1): the consent question. */
  press: 'vm-press',
  /** "At the tone, please say your name." */
  sayYourName: 'priv-recordintro',
} as const;

const sound = (name: string) => `sound:${name}`;

/** What a caller entering the conference hears about the others already in it. */
export function countSounds(others: number): string[] {
  if (others <= 0) return [sound(AnnouncementPrompt.onlyPerson)];
  if (others === 1) return [sound(AnnouncementPrompt.oneOther)];
  return [sound(AnnouncementPrompt.thereAre), `number:${others}`, sound(AnnouncementPrompt.otherParticipants)];
}

/** What the conference hears when someone comes back after a dropped call: the name, if any, and two tones. */
export function rejoinSounds(name: string | null): string[] {
  const tones = [sound(AnnouncementPrompt.tone), sound(AnnouncementPrompt.tone)];
  return name === null ? tones : [`recording:${name}`, ...tones];
}

/** What the conference hears when someone joins or leaves: their recorded name, else a tone. */
export function comingOrGoingSounds(name: string | null, joined: boolean): string[] {
  if (name === null) return [sound(AnnouncementPrompt.tone)];
  return [`recording:${name}`, sound(joined ? AnnouncementPrompt.hasJoined : AnnouncementPrompt.hasLeft)];
}

/** The notice a caller hears before entering a conference that records; with consent, the question. */
export function recordingNoticeSounds(consent: boolean): string[] {
  return consent ? [sound(AnnouncementPrompt.nowRecording), sound(AnnouncementPrompt.press), 'digits:1'] : [sound(AnnouncementPrompt.nowRecording)];
}

/** The key that accepts a recorded conference. */
export const CONSENT_KEY = '1';
