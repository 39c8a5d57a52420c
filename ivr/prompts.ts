// Stock Asterisk prompts (asterisk-core-sounds-en) that the caller's journey uses.
export const Prompt = {
  greeting: 'hello',
  enterRoom: 'conf-getconfno',
  invalidRoom: 'conf-invalid',
  enterPin: 'conf-getpin',
  invalidPin: 'conf-invalidpin',
  /** Before asking again after silence: nothing was typed. */
  noInput: 'please-try-again',
  waitForModerator: 'conf-waitforleader',
  moderatorLeft: 'conf-leaderhasleft',
  locked: 'conf-locked',
  /** A participant refused by a room at its maximum. */
  full: 'conf-full',
  goodbye: 'vm-goodbye',
  /** Before hanging up at a limit (moderator wait, alone, maximum duration). */
  limitReached: 'im-sorry',
  /** Before hanging up a caller the bridge could not place in the room. */
  bridgeFailed: 'sorry-youre-having-problems',
  /** A participant refused by a room at its monthly spend cap ("The conference cannot be extended."). */
  spendCapReached: 'conf-nonextended',
  /** A moderator entering a room at 80 % of its spend cap or more: a short tone. */
  spendCapWarning: 'beeperr',
} as const;

export type PromptName = (typeof Prompt)[keyof typeof Prompt];

/** ARI media URI for a stock sound. */
export function soundUri(name: string): string {
  return `sound:${name}`;
}
