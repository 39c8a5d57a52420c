// What a caller goes through between a right PIN and the room, when the room asks for it:
//
//   notice    the conference is being recorded: "the conference is now being recorded",
//             heard to its end; with consent required, "... press 1": the key lets them in,
//             anything else or nothing before the wait ends keeps them out
//   naming    the room announces names: "at the tone, please say your name", a short
//             recording ('#' ends it); the name goes to the room with the caller
//
// A room that asks for neither skips all this (the call machine goes straight in: no state,
// no request). A name recorded by a caller who hangs up before entering is deleted.
import { assign, fromCallback, fromPromise, not, setup } from 'xstate';
import type { Logger } from 'pino';
import { CONSENT_KEY, recordingNoticeSounds } from './announcements.js';
import type { IvrTiming } from '../ivr/timing.js';
import type { CallChannel, NameRecorder, RoomInfo } from './ports.js';

export interface EntryStepsInput {
  channelId: string;
  room: RoomInfo;
  /** The caller's name is known already (a rejoin brings it back): no second recording. */
  nameKnown?: boolean;
}

export interface EntryStepsOutput {
  admitted: boolean;
  /** The caller's recorded name, if the room records names and one was recorded. */
  name: string | null;
}

/** Whether the caller goes through any entry step at all (false: straight into the room). */
export function hasEntrySteps(room: RoomInfo, recording: boolean, names: NameRecorder | undefined, nameKnown = false): boolean {
  return recording || (!nameKnown && names !== undefined && room.announcements?.recordNames === true);
}

type EntryEvent = { type: 'DTMF'; digit: string } | { type: 'ASKED' } | { type: 'NAMED'; name: string | null };

const notProvided = (port: string) => () => {
  throw new Error(`the ${port} port was not provided`);
};

/**
 * The entry steps. Ports: `notice`, `question` (recording notices), `recordName`; the guards
 * `recording` (the room's conference is recorded now) and `recordsNames`; the delays. The
 * composition (createEntrySteps) provides them from the channel, the name recorder and the timing.
 */
export const entryStepsMachine = setup({
  types: {
    input: {} as EntryStepsInput,
    context: {} as EntryStepsInput & { admitted: boolean; name: string | null },
    events: {} as EntryEvent,
    output: {} as EntryStepsOutput,
  },
  actors: {
    notice: fromPromise<void, { channelId: string }>(notProvided('notice')),
    question: fromCallback<EntryEvent, { channelId: string }>(notProvided('question')),
    recordName: fromCallback<EntryEvent, { channelId: string }>(notProvided('recordName')),
  },
  delays: {
    firstDigit: 0,
    promptGuard: 0,
  },
  guards: {
    consents: ({ event }) => event.type === 'DTMF' && event.digit === CONSENT_KEY,
    recording: () => false,
    consentRequired: ({ context }) => context.room.announcements?.recordingConsent === true,
    recordsNames: () => false,
  },
}).createMachine({
  id: 'entrySteps',
  context: ({ input }) => ({ ...input, admitted: true, name: null }),
  initial: 'start',
  states: {
    start: {
      always: [
        { guard: 'recording', target: 'notice' },
        { target: 'naming' },
      ],
    },
    notice: {
      always: { guard: 'consentRequired', target: 'asking' },
      invoke: { src: 'notice', input: ({ context }) => ({ channelId: context.channelId }), onDone: 'naming', onError: 'naming' },
      // A notice whose end never comes (lost in an ARI reconnect) does not keep the caller out.
      after: { promptGuard: 'naming' },
    },
    // The key that accepts lets the caller on; any other key, or none in time, keeps them out.
    asking: {
      invoke: { src: 'question', input: ({ context }) => ({ channelId: context.channelId }) },
      on: {
        DTMF: [
          { guard: 'consents', target: 'naming' },
          { target: 'done', actions: assign({ admitted: false }) },
        ],
      },
      initial: 'question',
      states: {
        question: { on: { ASKED: 'waiting' }, after: { promptGuard: 'waiting' } },
        waiting: { after: { firstDigit: { target: '#entrySteps.done', actions: assign({ admitted: false }) } } },
      },
    },
    naming: {
      always: { guard: not('recordsNames'), target: 'done' },
      invoke: { src: 'recordName', input: ({ context }) => ({ channelId: context.channelId }) },
      on: {
        NAMED: { target: 'done', actions: assign({ name: ({ event }) => event.name }) },
        DTMF: {},
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => ({ admitted: context.admitted, name: context.name }),
});

/** The entry steps over the caller's channel and the name recorder; failures logged, none keeps the caller out. */
export function createEntrySteps(deps: { channel: CallChannel; names: NameRecorder | undefined; timing: IvrTiming; recording: (room: string) => boolean; log: Logger }) {
  const { channel, names, timing, log } = deps;
  return entryStepsMachine.provide({
    actors: {
      notice: fromPromise<void, { channelId: string }>(async ({ input }) => {
        await channel.play(input.channelId, recordingNoticeSounds(false)).finished;
      }),
      // The question; the key may come while it plays (it stops it).
      question: fromCallback<EntryEvent, { channelId: string }>(({ input, sendBack }) => {
        const playback = channel.play(input.channelId, recordingNoticeSounds(true));
        const asked = () => sendBack({ type: 'ASKED' });
        playback.finished.then(asked, asked);
        return () => playback.stop();
      }),
      // A recording that ends after the caller left (state left first) is deleted.
      recordName: fromCallback<EntryEvent, { channelId: string }>(({ input, sendBack }) => {
        let left = false;
        const { channelId } = input;
        void (names?.record(channelId) ?? Promise.resolve(null)).then(
          (name) => {
            if (!left || name === null) return sendBack({ type: 'NAMED', name });
            names?.discard(name).catch((err: unknown) => log.warn({ err, channelId, name }, 'name recording of a caller who left not deleted'));
          },
          (err: unknown) => {
            log.warn({ err, channelId }, 'name not recorded: the caller enters without it');
            sendBack({ type: 'NAMED', name: null });
          },
        );
        return () => {
          left = true;
        };
      }),
    },
    delays: {
      firstDigit: () => timing.firstDigitMs,
      promptGuard: () => timing.promptGuardMs,
    },
    guards: {
      recording: ({ context }) => deps.recording(context.room.number),
      recordsNames: ({ context }) => context.nameKnown !== true && names !== undefined && context.room.announcements?.recordNames === true,
    },
  });
}
