// Where a live call stands, in the few steps an operator watches (GET /metrics), read from the
// call machine's state when asked rather than counted on every transition.
import type { StateValue } from 'xstate';

export const CALL_STEPS = ['admission', 'room-number', 'pin', 'entry-steps', 'joining', 'waiting', 'in-room', 'farewell', 'closing'] as const;
export type CallStepName = (typeof CALL_STEPS)[number];
export type CallStepCounts = Record<CallStepName, number>;

/** The call machine's top-level states (flows/call/journey.ts) and the step each belongs to. */
export const STEP_OF_STATE: Readonly<Record<string, CallStepName>> = {
  starting: 'admission',
  admission: 'admission',
  answered: 'admission',
  callingBack: 'admission',
  callbackAnswered: 'admission',
  callbackGreeting: 'entry-steps',
  roomNumber: 'room-number',
  pin: 'pin',
  spendCheck: 'pin',
  admitted: 'pin',
  entrySteps: 'entry-steps',
  inRoom: 'joining',
  resumedInRoom: 'joining',
  farewell: 'farewell',
  hangingUp: 'farewell',
  closing: 'closing',
  finished: 'closing',
};

export function noCalls(): CallStepCounts {
  return { admission: 0, 'room-number': 0, pin: 0, 'entry-steps': 0, joining: 0, waiting: 0, 'in-room': 0, farewell: 0, closing: 0 };
}

/**
 * The step of one call: its machine's state, and in the room the placement watch's state
 * (onHold: waiting for the moderator; live: in the conference; before either: joining). A call
 * resumed after a restart has a watch too, started in the bridge Asterisk has it in.
 */
export function callStep(value: StateValue, placement: StateValue | undefined): CallStepName {
  const top = typeof value === 'string' ? value : (Object.keys(value)[0] ?? '');
  const step = STEP_OF_STATE[top] ?? 'admission';
  if (step !== 'joining') return step;
  if (placement === 'onHold') return 'waiting';
  if (placement === 'live') return 'in-room';
  return 'joining';
}
