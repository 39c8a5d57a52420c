// What the owner's live view shows of a caller: the last four digits of their number ("…0302"),
// enough to tell callers apart and pick one to mute or remove, not to call anyone back. The
// view, the control replies and the event stream carry only this (the full number stays in the
// ledger: usage, statements and the account's export).
import type { LiveRoom, RoomNews } from '../flows/room-controls.js';

/** '+15550302' → '…0302'; a number without digits (anonymous) → null ("caller without number"). */
export function lastFourDigits(callerNumber: string | null): string | null {
  const digits = (callerNumber ?? '').replace(/\D/g, '');
  return digits === '' ? null : `…${digits.slice(-4)}`;
}

export function shownView(view: LiveRoom): LiveRoom {
  return { ...view, members: view.members.map((m) => ({ ...m, callerNumber: lastFourDigits(m.callerNumber) })) };
}

export function shownNews(news: RoomNews): RoomNews {
  return news.type === 'joined' ? { ...news, callerNumber: lastFourDigits(news.callerNumber) } : news;
}
