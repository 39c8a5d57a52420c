// CallMarks over ARI: each caller's step is kept in one channel variable, TOLLBRIDGE_CALL, so a
// restarted app reads where every call stood from Asterisk itself (ari.conf `channelvars`
// puts it into every channel listing). The write is fire-and-forget, off the caller's path.
import type { Logger } from 'pino';
import type { CallMark } from '../flows/ports.js';
import type { Role } from '../domain/roles.js';
import type { AriClientSource } from './ari-client-source.js';

export const CALL_MARK_VARIABLE = 'TOLLBRIDGE_CALL';

/** `step=inRoom&room=…&role=…&dialled=…&answeredAt=…&accountId=…`: no commas, readable in `core show channel`. */
export function encodeCallMark(mark: CallMark): string {
  const fields: Record<string, string> = { step: mark.step, dialled: mark.dialled, answeredAt: String(mark.answeredAt), accountId: String(mark.accountId) };
  if (mark.step === 'enteringPin' || mark.step === 'inRoom') fields.room = mark.room;
  if (mark.step === 'inRoom') fields.role = mark.role;
  return new URLSearchParams(fields).toString();
}

/** The mark in a channel variable's value; null when absent or not ours. */
export function decodeCallMark(value: string | undefined): CallMark | null {
  if (value === undefined || value === '') return null;
  const f = new URLSearchParams(value);
  const dialled = f.get('dialled');
  const answeredAt = Number(f.get('answeredAt'));
  const accountId = Number(f.get('accountId'));
  if (dialled === null || !Number.isFinite(answeredAt) || !Number.isInteger(accountId)) return null;
  const facts = { dialled, answeredAt, accountId };
  const room = f.get('room');
  const role = f.get('role');
  switch (f.get('step')) {
    case 'enteringRoom':
      return { step: 'enteringRoom', ...facts };
    case 'enteringPin':
      return room === null ? null : { step: 'enteringPin', room, ...facts };
    case 'inRoom':
      return room === null || !isRole(role) ? null : { step: 'inRoom', room, role, ...facts };
    case 'goodbye':
      return { step: 'goodbye', ...facts };
    default:
      return null;
  }
}

const isRole = (value: string | null): value is Role => value === 'moderator' || value === 'participant';

export class AriCallMarks {
  constructor(
    private readonly ari: AriClientSource,
    private readonly log: Logger,
  ) {}

  mark(channelId: string, mark: CallMark): void {
    this.ari.rest.setChannelVar(channelId, CALL_MARK_VARIABLE, encodeCallMark(mark)).catch((err: unknown) => {
      // The channel may have hung up meanwhile; otherwise a restart would resume this call one step back.
      this.log.debug({ err, channelId, step: mark.step }, 'call mark not written');
    });
  }
}
