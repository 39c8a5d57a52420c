// One caller's journey, from the carrier's INVITE to the end of the leg, as a statechart of step
// machines (flows/call/): admission -> room number -> PIN -> entry steps -> in the room, and one
// farewell for every way the bridge ends a call. flows/call/journey.ts draws the whole journey;
// flows/call/compose.ts provides its ports. This module is what the router, the app and the
// tests import.
export { callSettings, createCallMachine, type CallDeps } from './call/compose.js';
export { callMachine } from './call/journey.js';
export { STOP_END_GUARD_MS, STOP_PROMPT_GUARD_MS } from './call/farewell.js';
export type { CallEvent, CallInput, CallOutcome, CallResume, JoinDetails, RoomMembership } from './call/types.js';
