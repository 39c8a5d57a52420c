// One code the caller types and the bridge checks, with its retries: the room number, then the
// PIN are the same step with another prompt, another check and another `subject` (what the check
// needs besides the code: the account for a room, the room and caller for a PIN).
//
//   collecting (flows/collect-machine.ts: prompt, digits, '#') ──complete──> checking
//      │ no input / invalid entry                                             │ accepted ─> done
//      v                                                                      │ locked ───> done
//   failed <──────────────wrong code, or the check could not be made──────────┘
//      │ attempts left: collecting again ("that was not valid" / "try again" first),
//      │   after a pause when the check counted the failure (keys pressed meanwhile dropped)
//      └ none left ─> done (the farewell says the last failure)
//
// Keys typed during the check are kept for the next step (the PIN after a room), or dropped
// after a wrong code: a PIN typed straight after a mistyped room never becomes the next room.
// The call hears of each attempt (CODE.ENTERED, CODE.FAILED: metrics and the IVR's caps).
import { assign, fromPromise, sendParent, sendTo, setup } from 'xstate';
import { Prompt } from '../../ivr/prompts.js';
import type { IvrTiming } from '../../ivr/timing.js';
import { collectMachine } from '../collect-machine.js';
import type { KnownGuard } from '../pin-check.js';
import type { CodeKind, CodeNews, EntryFailure } from './types.js';

export interface CodePrompts {
  /** The first time, before the code. */
  first: string[];
  /** Heard whole after a wrong code. */
  invalid: string;
  /** Asked again after a failure. */
  again: string;
}

export const ROOM_PROMPTS: CodePrompts = { first: [Prompt.greeting, Prompt.enterRoom], invalid: Prompt.invalidRoom, again: Prompt.enterRoom };
export const PIN_PROMPTS: CodePrompts = { first: [Prompt.enterPin], invalid: Prompt.invalidPin, again: Prompt.enterPin };

export interface CodeStepInput<S> {
  channelId: string;
  code: CodeKind;
  subject: S;
  prompts: CodePrompts;
  maxDigits: number;
  timing: IvrTiming;
  /** Digits typed ahead of this step. */
  typed: string;
  /** The guessing limits as the call last read them (PIN only). */
  known: KnownGuard | null;
}

/** What the `check` port is asked. */
export interface CodeCheck<S> {
  code: string;
  subject: S;
  known: KnownGuard | null;
}

export type CheckVerdict<T> =
  | { verdict: 'accepted'; value: T }
  /** `pauseMs`: the failure was counted; the next prompt waits this long. */
  | { verdict: 'invalid'; known: KnownGuard | null; pauseMs: number }
  /** No code may be entered any more (the guessing limits). */
  | { verdict: 'locked'; known: KnownGuard | null };

export type CodeResult<T> =
  /** `typed`: keys typed after the code, for the next step. */
  | { result: 'accepted'; value: T; typed: string; known: KnownGuard | null }
  | { result: 'failed'; lastFailure: EntryFailure }
  | { result: 'locked' };

interface CodeStepContext<S, T> extends CodeStepInput<S> {
  attempts: number;
  entry: string;
  lastFailure: EntryFailure;
  pauseMs: number;
  done: CodeResult<T> | null;
}

/** The code step for one kind of code: `T` what an accepted code gives, `S` what its check needs. */
export function codeStep<S, T>() {
  return setup({
    types: {
      input: {} as CodeStepInput<S>,
      context: {} as CodeStepContext<S, T>,
      events: {} as { type: 'DTMF'; digit: string },
      output: {} as CodeResult<T>,
    },
    actors: {
      collect: collectMachine,
      check: fromPromise<CheckVerdict<T>, CodeCheck<S>>(() => Promise.reject(new Error('the check port was not provided'))),
    },
    actions: {
      /** A check that threw: logged by whoever provides it; the attempt counts as a wrong code. */
      checkFailed: (_, _params: { channelId: string; code: CodeKind; error: unknown }) => undefined,
      tell: sendParent((_, news: CodeNews) => news),
    },
    delays: {
      pause: ({ context }) => context.pauseMs,
    },
    guards: {
      attemptsLeft: ({ context }) => context.attempts < context.timing.maxAttempts,
    },
  }).createMachine({
    id: 'code',
    context: ({ input }) => ({ ...input, attempts: 0, entry: '', lastFailure: 'no-input', pauseMs: 0, done: null }),
    initial: 'collecting',
    states: {
      collecting: {
        on: { DTMF: { actions: sendTo('collector', ({ event }) => event) } },
        invoke: {
          id: 'collector',
          src: 'collect',
          input: ({ context }) => ({
            channelId: context.channelId,
            // The first time the step's prompts; after a failure, what went wrong (heard whole), then the prompt.
            ...(context.attempts === 0
              ? { notice: [], prompts: context.prompts.first }
              : { notice: [context.lastFailure === 'invalid' ? context.prompts.invalid : Prompt.noInput], prompts: [context.prompts.again] }),
            buffer: context.typed,
            maxDigits: context.maxDigits,
            timing: context.timing,
          }),
          onDone: [
            {
              guard: ({ event }) => event.output.kind === 'complete',
              target: 'checking',
              actions: assign(({ event }) => (event.output.kind === 'complete' ? { entry: event.output.value, typed: event.output.rest } : {})),
            },
            // Keys typed after a wrong entry are dropped: the next attempt starts after the prompt.
            { target: 'failed', actions: assign(({ event }) => ({ lastFailure: event.output.kind === 'invalid' ? ('invalid' as const) : ('no-input' as const), typed: '' })) },
          ],
        },
      },
      checking: {
        entry: { type: 'tell', params: ({ context }) => ({ type: 'CODE.ENTERED' as const, code: context.code }) },
        on: { DTMF: { actions: assign({ typed: ({ context, event }) => context.typed + event.digit }) } },
        invoke: {
          src: 'check',
          input: ({ context }) => ({ code: context.entry, subject: context.subject, known: context.known }),
          onDone: [
            {
              guard: ({ event }) => event.output.verdict === 'accepted',
              target: 'done',
              actions: assign({
                done: ({ context, event }) => (event.output.verdict === 'accepted' ? { result: 'accepted' as const, value: event.output.value, typed: context.typed, known: context.known } : null),
              }),
            },
            { guard: ({ event }) => event.output.verdict === 'locked', target: 'done', actions: assign({ done: { result: 'locked' } }) },
            {
              // Keys typed ahead after a wrong code are dropped: the next waits for the pause and the prompt.
              target: 'failed',
              actions: assign(({ event }) => ({
                lastFailure: 'invalid' as const,
                typed: '',
                known: event.output.verdict === 'invalid' ? event.output.known : null,
                pauseMs: event.output.verdict === 'invalid' ? event.output.pauseMs : 0,
              })),
            },
          ],
          onError: {
            target: 'failed',
            actions: [
              assign({ lastFailure: 'invalid' }),
              { type: 'checkFailed', params: ({ context, event }) => ({ channelId: context.channelId, code: context.code, error: event.error }) },
            ],
          },
        },
      },
      failed: {
        entry: [
          assign({ attempts: ({ context }) => context.attempts + 1 }),
          { type: 'tell', params: ({ context }) => ({ type: 'CODE.FAILED' as const, code: context.code, failure: context.lastFailure }) },
        ],
        always: [
          { guard: 'attemptsLeft', target: 'pausing' },
          { target: 'done', actions: assign({ done: ({ context }) => ({ result: 'failed' as const, lastFailure: context.lastFailure }) }) },
        ],
      },
      // After a counted wrong PIN the next prompt waits, longer with every failure counted; keys pressed meanwhile are dropped.
      pausing: {
        always: { guard: ({ context }) => context.pauseMs <= 0, target: 'collecting' },
        on: { DTMF: {} },
        after: { pause: { target: 'collecting', actions: assign({ pauseMs: 0, typed: '' }) } },
      },
      done: { type: 'final' },
    },
    output: ({ context }): CodeResult<T> => context.done ?? { result: 'failed', lastFailure: context.lastFailure },
  });
}
