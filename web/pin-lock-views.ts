// The room page's PIN-guessing lock section: which PIN is locked, since and until when, after
// how many wrong PINs, and the button that lifts it (DELETE …/room/pin-lock). Shown only while
// there is something to say: a lock in force, or a lifted one still re-arming.
import { html, type Html } from './html.js';
import { csrfField } from './view-parts.js';
import type { PinLockView, RoomPinLocks } from '../api/pin-lock-routes.js';

const at = (iso: string | null) => (iso === null ? '' : `${iso.replace('T', ' ').slice(0, 16)} UTC`);

function kindLine(name: string, lock: PinLockView): Html | '' {
  const id = `pin-lock-${name.toLowerCase()}`;
  if (lock.locked) {
    return html`<li id="${id}"><strong>${name} PIN locked</strong> since ${at(lock.lockedSince)} until ${at(lock.lockedUntil)}, after ${lock.failures} wrong PINs (the last at ${at(lock.lastFailureAt)}). Callers typing it, even correctly, hear that the conference is locked.</li>`;
  }
  if (lock.liftedAt !== null) {
    return html`<li id="${id}">${name} PIN: you lifted the lock at ${at(lock.liftedAt)}. Its ${lock.failures} wrong PINs still count: one more before ${at(lock.relocksUntil)} locks it again.</li>`;
  }
  return '';
}

export function pinLockSection(csrf: string, locks: RoomPinLocks): Html | '' {
  const lines = [kindLine('Moderator', locks.moderator), kindLine('Participant', locks.participant)].filter((l) => l !== '');
  if (lines.length === 0) return '';
  const locked = locks.moderator.locked || locks.participant.locked;
  return html`<section id="pin-lock" aria-labelledby="pin-lock-title"><h2 id="pin-lock-title">PIN entry ${locked ? 'locked' : 'lock lifted'}</h2>
<ul>${lines}</ul>
${locked ? html`<p>Someone typed wrong PINs for your room too often. If you suspect guessing, <strong>change the PINs</strong> below: that lifts the lock and makes the wrong guesses worthless. To let your callers in with the PINs they have, lift the lock; the wrong PINs stay counted, so one more locks entry again.</p>
<form method="post" action="/app/room/pin-lock">${csrfField(csrf)}<button type="submit">Lift the PIN lock</button></form>` : ''}
</section>`;
}
