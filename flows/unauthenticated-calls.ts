// Calls answered and not yet in a room (still in the IVR), counted per dialled number and per
// calling number, and, per dialled number, those that already failed an entry. Over any cap a
// new call is refused before it is answered (busy), so a flood of guessing calls cannot hold
// the lines, nor bill, nor reach PIN entry. The cap on all calls is a ceiling sized for a
// meeting's crowd arriving on the hour; guessing shows as failed entries, and those have the
// tighter cap.
// This process counts its own calls in memory (no database on the call's path) and adds what
// the other bridge processes on the database last published (IvrCountsElsewhere): the caps hold
// for all of them together, give or take the calls of the last moment (see shared-ivr-counts.ts).
import type { PinGuessingLimits } from '../domain/limits.js';
import { NOBODY_ELSE, type IvrCounts, type IvrCountsElsewhere } from './ports.js';

const WITHHELD = '';

export class UnauthenticatedCalls implements IvrCounts {
  private readonly numbers = new Map<string, number>();
  private readonly callers = new Map<string, number>();
  private readonly failing = new Map<string, number>();

  constructor(
    private readonly caps: Pick<PinGuessingLimits, 'maxUnauthenticatedPerNumber' | 'maxUnauthenticatedPerCaller' | 'maxFailingPerNumber'>,
    private readonly elsewhere: IvrCountsElsewhere = NOBODY_ELSE,
  ) {}

  /** Whether one more call from `callerNumber` to `dialled` may come in (0: no cap). */
  hasRoom(dialled: string, callerNumber: string | null): boolean {
    const { maxUnauthenticatedPerNumber: perNumber, maxUnauthenticatedPerCaller: perCaller, maxFailingPerNumber: failing = 0 } = this.caps;
    const { elsewhere } = this;
    if (perNumber > 0 && (this.numbers.get(dialled) ?? 0) + elsewhere.onNumber(dialled) >= perNumber) return false;
    if (perCaller > 0 && (this.callers.get(callerNumber ?? WITHHELD) ?? 0) + elsewhere.fromCaller(callerNumber) >= perCaller) return false;
    if (failing > 0 && (this.failing.get(dialled) ?? 0) + elsewhere.failingOn(dialled) >= failing) return false;
    return true;
  }

  enter(dialled: string, callerNumber: string | null): void {
    bump(this.numbers, dialled, 1);
    bump(this.callers, callerNumber ?? WITHHELD, 1);
    this.elsewhere.changed(this);
  }

  /** A call in the IVR failed an entry for the first time (its caller calls it once per call). */
  failed(dialled: string): void {
    bump(this.failing, dialled, 1);
    this.elsewhere.changed(this);
  }

  /** `failed`: whether the call was counted by failed(). */
  leave(dialled: string, callerNumber: string | null, failed: boolean): void {
    bump(this.numbers, dialled, -1);
    bump(this.callers, callerNumber ?? WITHHELD, -1);
    if (failed) bump(this.failing, dialled, -1);
    this.elsewhere.changed(this);
  }

  get perNumber(): ReadonlyMap<string, number> {
    return this.numbers;
  }

  get perCaller(): ReadonlyMap<string, number> {
    return this.callers;
  }

  get failingPerNumber(): ReadonlyMap<string, number> {
    return this.failing;
  }

  inProgress(dialled: string): number {
    return this.numbers.get(dialled) ?? 0;
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const next = (map.get(key) ?? 0) + by;
  if (next <= 0) map.delete(key);
  else map.set(key, next);
}
