// Every machine that gets a diagram in docs/ (`npm run diagrams`), in one list: a new machine
// is one more entry here. test/docs/diagrams.test.ts checks that each machine a listed one
// invokes is listed too.
import { aloneWatch } from '../../flows/alone-watch.js';
import { admissionMachine } from '../../flows/call/admission.js';
import { roomCodeStep } from '../../flows/call/call-setup.js';
import { farewellMachine } from '../../flows/call/farewell.js';
import { callMachine } from '../../flows/call/journey.js';
import { createCollectMachine } from '../../flows/collect-machine.js';
import { entryStepsMachine } from '../../flows/entry-steps.js';
import { placementWatch } from '../../flows/placement-watch.js';
import type { CallChannel } from '../../flows/ports.js';
import { roomMachine } from '../../flows/room-machine.js';
import { machineDoc, type MachineEntry } from './mermaid.js';

// The collect machine is made from its channel port: never called (a diagram runs nothing).
const channel: CallChannel = { answer: async () => null, reject: async () => undefined, hangup: async () => undefined, play: () => ({ finished: Promise.resolve(), stop: () => undefined }), speak: () => undefined };

export const MACHINES: MachineEntry[] = [
  {
    file: 'call-machine',
    source: 'flows/call/journey.ts',
    title: 'The call',
    about: "One caller's journey, from the carrier's INVITE to the end of the leg: admission, the room number, the PIN, the entry steps, the room, and one farewell for every way a call ends.",
    machine: callMachine,
  },
  {
    file: 'admission',
    source: 'flows/call/admission.ts',
    title: 'Admission',
    about: "The number's route, then refuse, reject, or answer and open the leg.",
    machine: admissionMachine,
  },
  {
    file: 'code-step',
    source: 'flows/call/code-step.ts',
    title: 'A code step: the room number, the PIN',
    about: 'Collects a code, checks it, and on a wrong one says so and asks again, up to the attempts allowed; the same machine for the room number and for the PIN.',
    machine: roomCodeStep,
  },
  {
    file: 'farewell',
    source: 'flows/call/farewell.ts',
    title: 'The farewell',
    about: 'The one goodbye for every way a call ends (too many attempts, locked out, no consent, a limit, the room dismissing, a stop): the right prompt, then the hang-up, with guards for an end Asterisk never reports.',
    machine: farewellMachine,
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
    machine: entryStepsMachine,
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
