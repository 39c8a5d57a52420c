// The languages a room may speak: those the Asterisk root has prompts in (Debian's packs, see
// asterisk/build-root.sh, and the operator's TOLLBRIDGE_PROMPT_DIRS), or the operator's own
// list (TOLLBRIDGE_ROOM_LANGUAGES, for an Asterisk tollbridge does not manage). A room set to
// any other language would greet its callers in English without a word of warning.
import fs from 'node:fs';
import path from 'node:path';
import { LANGUAGE_CODE, type Config } from '../config/config.js';
import { Prompt } from './prompts.js';

/** Where Asterisk's sounds live inside the root. */
export const SOUNDS_DIR = 'usr/share/asterisk/sounds';

export function roomLanguages(config: Pick<Config, 'roomLanguages' | 'asterisk'>): string[] {
  if (config.roomLanguages !== null) return [...config.roomLanguages];
  const found = new Set(Object.keys(config.asterisk.promptDirs));
  found.add('en');
  const sounds = path.join(config.asterisk.root, SOUNDS_DIR);
  let entries: string[] = [];
  try {
    entries = fs.readdirSync(sounds);
  } catch {
    return [...found].sort(); // no root here (an API on another machine): English and the operator's
  }
  for (const name of entries) {
    if (LANGUAGE_CODE.test(name) && hasPrompt(config.asterisk.root, path.join(SOUNDS_DIR, name))) found.add(name);
  }
  return [...found].sort();
}

/** Whether a sounds directory of the root (symlinks resolved inside the root) holds the PIN prompt. */
function hasPrompt(root: string, relative: string): boolean {
  const dir = resolveInRoot(root, relative);
  if (dir === null) return false;
  try {
    return fs.readdirSync(dir).some((file) => file.startsWith(`${Prompt.enterPin}.`));
  } catch {
    return false;
  }
}

/** Follows symlinks as the chrooted Asterisk sees them (an absolute target is inside the root). */
function resolveInRoot(root: string, relative: string): string | null {
  let current = path.join(root, relative);
  for (let hops = 0; hops < 10; hops++) {
    let target: string;
    try {
      if (!fs.lstatSync(current).isSymbolicLink()) return current;
      target = fs.readlinkSync(current);
    } catch {
      return null;
    }
    current = path.isAbsolute(target) ? path.join(root, target) : path.join(path.dirname(current), target);
  }
  return null;
}
