// The one goodbye of a call the bridge ends itself, whatever the cause (flows/call/types.ts
// CallEnd): the prompt that fits, then the hang-up with the leg's end reason.
//
//   saying ──prompt heard, hung up──> said
//     │    (stop: the prompt's end is not waited for past STOP_PROMPT_GUARD_MS: hung up anyway)
//   said (the call's HANGUP ends it; a stop's farewell closes the leg itself after STOP_END_GUARD_MS)
//
// A goodbye whose PlaybackFinished never came (lost in an ARI reconnect), or whose hang-up went
// unanswered, is hung up after the IVR's prompt guard all the same: the call must not wait for ever.
// Dismissals by the room (a key, the owner, its policy or alone limit) are said by the room
// itself, to all it dismisses at once (flows/room-machine.ts); the call only learns their reason.
import { fromPromise, not, setup } from 'xstate';
import { Prompt } from '../../ivr/prompts.js';
import type { LegEndReason } from '../../domain/legs.js';
import type { CallContext, CallEnd, CallOutcome } from './types.js';

/** A stop's goodbye prompt that never reports its end must not hold up the stop. */
export const STOP_PROMPT_GUARD_MS = 5_000;
/** After our hang-up, how long to wait for Asterisk's end time before closing the leg at ours. */
export const STOP_END_GUARD_MS = 2_000;

export interface Goodbye {
  reason: LegEndReason;
  sounds: string[];
  /** A stop's farewell: it closes the leg itself if Asterisk's end does not come. */
  closesAlone: boolean;
  /** Written on the channel: a restarted app says goodbye again rather than asking for a room. */
  marked: boolean;
}

/** The goodbye for each way the call ends it. */
export function goodbyeFor(end: CallEnd): Goodbye {
  switch (end.cause) {
    case 'failed': {
      const last = end.code === 'pin' ? Prompt.invalidPin : Prompt.invalidRoom;
      return { reason: 'goodbye', sounds: end.lastFailure === 'invalid' ? [last, Prompt.goodbye] : [Prompt.goodbye], closesAlone: false, marked: true };
    }
    case 'locked':
      return { reason: 'refused', sounds: [Prompt.locked, Prompt.goodbye], closesAlone: false, marked: true };
    case 'kept-out':
      return { reason: 'refused', sounds: [Prompt.goodbye], closesAlone: false, marked: true };
    case 'spend-cap':
      // Hung up right after the prompt: no goodbye after it.
      return { reason: 'spend-cap', sounds: [Prompt.spendCapReached], closesAlone: false, marked: true };
    case 'limit':
      return { reason: end.reason, sounds: [end.reason === 'bridge-failed' ? Prompt.bridgeFailed : Prompt.limitReached, Prompt.goodbye], closesAlone: false, marked: false };
    case 'shutdown':
      return { reason: 'shutdown', sounds: [Prompt.goodbye], closesAlone: true, marked: false };
  }
}

/** The leg's end reason: ours if we ended the call, else the room's, else the HANGUP's. */
export function endReasonOf(context: Pick<CallContext, 'end' | 'broken' | 'dismissed' | 'hungUp'>): LegEndReason {
  if (context.broken) return 'error';
  if (context.end !== null) return goodbyeFor(context.end).reason;
  return context.dismissed ?? context.hungUp ?? 'hangup';
}

/**
 * Whether the caller's stay may be taken up again by a rejoin (flows/recent-stays.ts): the call
 * dropped (hung up from their side, the media or session timed out, Asterisk or the app went
 * away), and not the caller's own leave key, a removal, the room's end or policy, or a limit.
 */
export function droppedCall(context: Pick<CallContext, 'end' | 'broken' | 'dismissed' | 'hungUp'>): boolean {
  return DROPS.has(endReasonOf(context));
}

const DROPS: ReadonlySet<LegEndReason> = new Set(['hangup', 'rtp-timeout', 'session-timeout', 'asterisk-lost', 'shutdown', 'error']);

/** How the call went, read once from where it ended (the machine's output). */
export function outcomeOf(context: Pick<CallContext, 'unanswered' | 'broken' | 'end' | 'role' | 'failed'>): CallOutcome {
  if (context.unanswered !== null) return context.unanswered;
  if (context.broken) return 'error';
  if (context.end?.cause === 'locked') return 'locked-out';
  if (context.end?.cause === 'kept-out') return 'refused';
  if (context.end?.cause === 'spend-cap') return 'spend-cap';
  if (context.role !== null) return 'joined';
  if (context.failed !== null) return context.failed.code === 'pin' ? 'failed-pin' : 'failed-room';
  return 'abandoned';
}

/** What the `goodbye` port is asked: play `sounds` to the caller, then hang up for `reason`. */
export interface GoodbyeRequest {
  channelId: string;
  sounds: string[];
  reason: LegEndReason;
}

export interface FarewellInput extends Goodbye {
  channelId: string;
  promptGuardMs: number;
}

/** Why the farewell hangs up without its prompt's end: the prompt failed, or was never heard to its end. */
export interface HangUpAnyway {
  channelId: string;
  /** Noted for the leg when the goodbye itself failed; a goodbye unheard is hung up plainly. */
  reason?: LegEndReason;
  why: 'failed' | 'unheard';
}

/**
 * The farewell. Its ports: `goodbye` (play the sounds, then hang up for the reason) and
 * `hangUpAnyway` (a hang-up that must happen even if the prompt did not; its failure logged),
 * provided by the composition root (flows/call/compose.ts) and by tests.
 */
export const farewellMachine = setup({
  types: { input: {} as FarewellInput, context: {} as FarewellInput },
  actors: {
    goodbye: fromPromise<void, GoodbyeRequest>(() => Promise.reject(new Error('the goodbye port was not provided'))),
  },
  actions: {
    hangUpAnyway: (_, _params: HangUpAnyway) => undefined,
  },
  delays: {
    promptGuard: ({ context }) => context.promptGuardMs,
    stopPromptGuard: STOP_PROMPT_GUARD_MS,
    stopEndGuard: STOP_END_GUARD_MS,
  },
  guards: {
    closesAlone: ({ context }) => context.closesAlone,
  },
}).createMachine({
  id: 'farewell',
  context: ({ input }) => input,
  initial: 'saying',
  after: {
    promptGuard: { guard: not('closesAlone'), actions: { type: 'hangUpAnyway', params: ({ context }) => ({ channelId: context.channelId, why: 'unheard' as const }) } },
  },
  states: {
    saying: {
      invoke: {
        src: 'goodbye',
        input: ({ context }) => ({ channelId: context.channelId, sounds: context.sounds, reason: context.reason }),
        onDone: 'said',
        onError: {
          target: 'said',
          actions: {
            type: 'hangUpAnyway',
            params: ({ context }) => ({ channelId: context.channelId, why: 'failed' as const, ...(context.closesAlone ? {} : { reason: context.reason }) }),
          },
        },
      },
      after: {
        stopPromptGuard: {
          guard: 'closesAlone',
          target: 'said',
          actions: { type: 'hangUpAnyway', params: ({ context }) => ({ channelId: context.channelId, why: 'unheard' as const }) },
        },
      },
    },
    // Asterisk's StasisEnd (the call's HANGUP) carries the real end; without it a stop's leg ends
    // now rather than staying open after the app has gone.
    said: {
      after: { stopEndGuard: { guard: 'closesAlone', target: 'closed' } },
    },
    closed: { type: 'final' },
  },
});
