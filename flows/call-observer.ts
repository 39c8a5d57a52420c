// What the call machines tell an observer (metrics/): the few moments an operator counts or
// times. Each is one synchronous call on the caller's path, so an implementation must only
// count: no I/O, no allocation beyond its own bookkeeping.
import type { CallOutcome } from './ports.js';
import type { BridgeKind } from '../domain/call-events.js';

/** Why an entry (room number or PIN) failed: a wrong entry, or nothing typed in time. */
export type EntryFailure = 'invalid' | 'no-input';

export interface CallObserver {
  /** The '#' that ends a PIN entry was heard: the join's clock starts (again, after a wrong PIN). */
  pinEntered(channelId: string): void;
  /** Asterisk says the caller entered one of its room's bridges. */
  placed(channelId: string, bridge: BridgeKind): void;
  roomNumberFailed(reason: EntryFailure): void;
  pinFailed(reason: EntryFailure): void;
  /** A caller turned away because PIN entry is locked (for the caller, or every kind of the room). */
  lockedOut(): void;
  /** The call machine ended (the router calls it). */
  finished(channelId: string, outcome: CallOutcome): void;
}

export const NO_CALL_OBSERVER: CallObserver = {
  pinEntered: () => undefined,
  placed: () => undefined,
  roomNumberFailed: () => undefined,
  pinFailed: () => undefined,
  lockedOut: () => undefined,
  finished: () => undefined,
};
