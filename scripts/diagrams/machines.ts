// Every machine that gets a diagram in docs/ (`npm run diagrams`), in one list: a new machine
// is one more entry here. test/docs/diagrams.test.ts checks that each machine a listed one
// invokes is listed too.
import { pino } from 'pino';
import { aloneWatch } from '../../flows/alone-watch.js';
import { createCallMachine } from '../../flows/call-machine.js';
import { createCollectMachine } from '../../flows/collect-machine.js';
import { createEntrySteps } from '../../flows/entry-steps.js';
import { placementWatch } from '../../flows/placement-watch.js';
import type { CallChannel, Directory, UsageLedger } from '../../flows/ports.js';
import { roomMachine } from '../../flows/room-machine.js';
import { DEFAULT_IVR_TIMING } from '../../ivr/timing.js';
import { machineDoc, type MachineEntry } from './mermaid.js';

// The call's machines are made from their ports: these are never called (a diagram runs nothing).
const nothing = async () => null;
const channel: CallChannel = { answer: nothing, reject: async () => undefined, hangup: async () => undefined, play: () => ({ finished: Promise.resolve(), stop: () => undefined }), speak: () => undefined };
const directory: Directory = { routeFor: nothing, findRoom: nothing, verifyPin: async () => 'invalid' };
const ledger: UsageLedger = { openLeg: async () => undefined, assign: async () => undefined, closeLeg: async () => undefined };
const rooms = { join: () => undefined, leave: () => undefined, replace: () => undefined, admitted: () => false };
const callDeps = { channel, directory, ledger, rooms, clock: { now: () => 0 }, timing: DEFAULT_IVR_TIMING, log: pino({ level: 'silent' }) };

export const MACHINES: MachineEntry[] = [
  {
    file: 'call-machine',
    source: 'flows/call-machine.ts',
    title: 'The call',
    about: "One caller's journey, from the carrier's INVITE to the end of the leg: admission, the number's route, answer, room number, PIN, the entry steps, the room, and every way a call ends.",
    machine: createCallMachine(callDeps),
  },
  {
    file: 'collect-machine',
    source: 'flows/collect-machine.ts',
    title: 'One IVR step: collect an entry',
    about: "Plays the step's prompts and collects digits ending in '#' (barge-in, typed-ahead digits, '*' to start again); its output is the entry, an invalid one, or no input.",
    machine: createCollectMachine(channel),
  },
  {
    file: 'entry-steps',
    source: 'flows/entry-steps.ts',
    title: 'Entry steps: recording notice and name',
    about: 'What a caller goes through between a right PIN and the room when the room asks for it: the recording notice (with consent), and their name recorded for the announcement.',
    machine: createEntrySteps({ channel, names: undefined, timing: DEFAULT_IVR_TIMING }),
  },
  {
    file: 'placement-watch',
    source: 'flows/placement-watch.ts',
    title: "The placement watch: is the caller in the room's bridge?",
    about: 'Follows what Asterisk reports of one admitted caller (entered or left a bridge) and tells the call when the caller is not placed in time or waits on hold too long.',
    machine: placementWatch,
  },
  {
    file: 'room-machine',
    source: 'flows/room-machine.ts',
    title: 'The room',
    about: 'One conference room: who waits on hold, who is in the conference, what happens when the moderator leaves, and the in-call controls.',
    machine: roomMachine,
  },
  {
    file: 'alone-watch',
    source: 'flows/alone-watch.ts',
    title: 'The alone watch',
    about: "Who is in a room's conference bridge as Asterisk reports it; a caller alone there too long is reported to the room, which dismisses them.",
    machine: aloneWatch,
  },
];

/** Each diagram file's path under the repository root (docs/<file>.md) and its text. */
export function diagramFiles(machines: readonly MachineEntry[] = MACHINES): Map<string, string> {
  const docs = new Map(machines.map((entry) => [entry.machine.id, entry.file]));
  return new Map(machines.map((entry) => [`docs/${entry.file}.md`, machineDoc(entry, docs)]));
}
