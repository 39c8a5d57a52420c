// Calls answered and not yet in a room (still in the IVR), counted per dialled number and per
// calling number in this process, and, per dialled number, those that already failed an entry.
// Over any cap a new call is refused before it is answered (busy), so a flood of guessing
// calls cannot hold the lines, nor bill, nor reach PIN entry. The cap on all calls is a
// ceiling sized for a meeting's crowd arriving on the hour; guessing shows as failed entries,
// and those have the tighter cap.
import type { PinGuessingLimits } from '../domain/limits.js';

const WITHHELD = '';

export class UnauthenticatedCalls {
  private readonly perNumber = new Map<string, number>();
  private readonly perCaller = new Map<string, number>();
  private readonly failingPerNumber = new Map<string, number>();

  constructor(private readonly caps: Pick<PinGuessingLimits, 'maxUnauthenticatedPerNumber' | 'maxUnauthenticatedPerCaller' | 'maxFailingPerNumber'>) {}

  /** Whether one more call from `callerNumber` to `dialled` may come in (0: no cap). */
  hasRoom(dialled: string, callerNumber: string | null): boolean {
    const { maxUnauthenticatedPerNumber: perNumber, maxUnauthenticatedPerCaller: perCaller, maxFailingPerNumber: failing = 0 } = this.caps;
    if (perNumber > 0 && (this.perNumber.get(dialled) ?? 0) >= perNumber) return false;
    if (perCaller > 0 && (this.perCaller.get(callerNumber ?? WITHHELD) ?? 0) >= perCaller) return false;
    if (failing > 0 && (this.failingPerNumber.get(dialled) ?? 0) >= failing) return false;
    return true;
  }

  enter(dialled: string, callerNumber: string | null): void {
    bump(this.perNumber, dialled, 1);
    bump(this.perCaller, callerNumber ?? WITHHELD, 1);
  }

  /** A call in the IVR failed an entry for the first time (its caller calls it once per call). */
  failed(dialled: string): void {
    bump(this.failingPerNumber, dialled, 1);
  }

  /** `failed`: whether the call was counted by failed(). */
  leave(dialled: string, callerNumber: string | null, failed: boolean): void {
    bump(this.perNumber, dialled, -1);
    bump(this.perCaller, callerNumber ?? WITHHELD, -1);
    if (failed) bump(this.failingPerNumber, dialled, -1);
  }

  inProgress(dialled: string): number {
    return this.perNumber.get(dialled) ?? 0;
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const next = (map.get(key) ?? 0) + by;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}
