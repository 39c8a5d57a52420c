// One IVR step: play the prompts, collect an entry ending in '#'. Keys pressed during the
// prompt stop it (barge-in) and count; keys typed before the step started arrive in `buffer`
// and skip the prompt altogether. '*' starts the entry again (the digits so far are dropped,
// the entry's prompt is heard again) without costing an attempt. Timeouts are named in
// ivr/timing.ts and come in as input.
import { assign, fromCallback, setup } from 'xstate';
import { matchEntry, matchOnTimeout, type EntryMatch } from '../ivr/digit-matcher.js';
import { soundUri } from '../ivr/prompts.js';
import type { IvrTiming } from '../ivr/timing.js';
import type { CallChannel } from './ports.js';

export interface CollectInput {
  channelId: string;
  /**
   * Said first and heard to its end ("that room is not valid"): keys pressed meanwhile are
   * dropped, so a PIN typed straight after a mistyped room never becomes the next room.
   */
  notice?: string[];
  /** Sound names played before the entry, skipped when digits were typed ahead. */
  prompts: string[];
  /** Digits typed ahead of this step. */
  buffer: string;
  maxDigits: number;
  timing: IvrTiming;
}

export type CollectOutput =
  | { kind: 'complete'; value: string; rest: string }
  | { kind: 'invalid'; rest: string }
  | { kind: 'no-input' };

export type CollectEvent = { type: 'DTMF'; digit: string } | { type: 'PROMPT_DONE' };

interface CollectContext extends CollectInput {
  match: EntryMatch | { kind: 'no-input' };
}

/** The key that starts the current entry again. */
export const RESTART_KEY = '*';

/** A key: '*' restarts the entry (with its prompt, if it has one), any other is added. */
const ON_KEY = [
  { guard: { type: 'star' as const }, target: 'restart' },
  { target: 'evaluate', actions: { type: 'addDigit' as const } },
];

/** Typed ahead: what follows the last '*' before the entry's end counts. */
function afterRestart(buffer: string): string {
  const end = buffer.indexOf('#');
  const head = end === -1 ? buffer : buffer.slice(0, end);
  const star = head.lastIndexOf(RESTART_KEY);
  return star === -1 ? buffer : buffer.slice(star + 1);
}

/** The prompt port: plays the sounds, reports PROMPT_DONE at their end, stops them when the state is left. */
export function promptOn(channel: Pick<CallChannel, 'play'>) {
  return fromCallback<CollectEvent, { channelId: string; sounds: string[] }>(({ input, sendBack }) => {
    const playback = channel.play(input.channelId, input.sounds.map(soundUri));
    const done = () => sendBack({ type: 'PROMPT_DONE' });
    playback.finished.then(done, done);
    return () => playback.stop();
  });
}

/** The collect step; its one port, `prompt`, is provided (createCollectMachine, tests). */
export const collectMachine = setup({
  types: {
    input: {} as CollectInput,
    context: {} as CollectContext,
    events: {} as CollectEvent,
    output: {} as CollectOutput,
  },
  actors: {
    prompt: fromCallback<CollectEvent, { channelId: string; sounds: string[] }>(() => {
      throw new Error('the prompt port was not provided');
    }),
  },
  delays: {
    firstDigit: ({ context }) => context.timing.firstDigitMs,
    interDigit: ({ context }) => context.timing.interDigitMs,
    promptGuard: ({ context }) => context.timing.promptGuardMs,
  },
  guards: {
    settled: ({ context }) => context.match.kind !== 'incomplete',
    typedAhead: ({ context }) => context.buffer !== '',
    noPrompts: ({ context }) => context.prompts.length === 0,
    hasNotice: ({ context }) => (context.notice ?? []).length > 0,
    star: ({ event }) => event.type === 'DTMF' && event.digit === RESTART_KEY,
  },
  actions: {
    addDigit: assign(({ context, event }) => {
      if (event.type !== 'DTMF') return {};
      const buffer = context.buffer + event.digit;
      return { buffer, match: matchEntry(buffer, { maxDigits: context.maxDigits }) };
    }),
    restartEntry: assign(({ context }) => ({ buffer: '', match: { kind: 'incomplete' as const }, prompts: context.prompts.slice(-1) })),
    timedOut: assign(({ context }) => ({ match: matchOnTimeout(context.buffer, { maxDigits: context.maxDigits }) })),
  },
}).createMachine({
  id: 'collect',
  context: ({ input }) => {
    const buffer = afterRestart(input.buffer);
    return { ...input, buffer, match: matchEntry(buffer, { maxDigits: input.maxDigits }) };
  },
  initial: 'begin',
  states: {
    begin: {
      always: [{ guard: 'hasNotice', target: 'notice' }, { target: 'start' }],
    },
    notice: {
      invoke: { src: 'prompt', input: ({ context }) => ({ channelId: context.channelId, sounds: context.notice ?? [] }) },
      on: { DTMF: {}, PROMPT_DONE: 'start' },
      after: { promptGuard: 'start' },
    },
    start: {
      always: [
        { guard: 'settled', target: 'done' },
        { guard: 'typedAhead', target: 'collecting' },
        { guard: 'noPrompts', target: 'waiting' },
        { target: 'prompting' },
      ],
    },
    prompting: {
      invoke: { src: 'prompt', input: ({ context }) => ({ channelId: context.channelId, sounds: context.prompts }) },
      on: {
        DTMF: ON_KEY,
        PROMPT_DONE: 'waiting',
      },
      after: { promptGuard: 'waiting' },
    },
    waiting: {
      on: { DTMF: ON_KEY },
      after: { firstDigit: { target: 'done', actions: 'timedOut' } },
    },
    collecting: {
      on: { DTMF: ON_KEY },
      after: { interDigit: { target: 'done', actions: 'timedOut' } },
    },
    restart: {
      entry: 'restartEntry',
      always: [{ guard: 'noPrompts', target: 'waiting' }, { target: 'prompting' }],
    },
    evaluate: {
      always: [{ guard: 'settled', target: 'done' }, { target: 'collecting' }],
    },
    done: { type: 'final' },
  },
  output: ({ context }): CollectOutput => {
    const m = context.match;
    // 'incomplete' cannot reach `done`; treat it as no input to keep the type total.
    return m.kind === 'incomplete' ? { kind: 'no-input' } : m;
  },
});

export function createCollectMachine(channel: Pick<CallChannel, 'play'>) {
  return collectMachine.provide({ actors: { prompt: promptOn(channel) } });
}
