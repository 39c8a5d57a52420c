// CallChannel over ARI: answer, refuse, hang up and play prompts on one caller's channel.
import type { Logger } from 'pino';
import type { AriClientSource } from './ari-client-source.js';
import type { CallChannel, PromptPlayback } from '../flows/ports.js';
import type { RefusalCause } from '../domain/call-events.js';
import type { LegEndReason } from '../domain/legs.js';
import type { AnswerTimes } from './answer-times.js';
import type { ChannelSubscriptions } from './channel-subscriptions.js';
import { finishedOrAfter, type PlaybackTracker } from './playbacks.js';

/**
 * A prompt to one caller whose PlaybackFinished never comes (lost with the ARI connection) is
 * taken as ended this long after it was asked for: longer than any of them plays, and the
 * tracker forgets it (the machines have their own, shorter guards where a caller waits).
 */
export const PROMPT_END_GUARD_MS = 60_000;

/**
 * Hang-up causes as ARI names them, and the SIP final response PJSIP sends for each (checked
 * over real SIP by test/e2e/refusal.test.ts): `unallocated` 404, `congestion` 503.
 */
const REJECT_REASON: Record<RefusalCause, string> = {
  unallocated: 'unallocated',
  unavailable: 'congestion',
  busy: 'busy',
};

export class AriChannels implements CallChannel {
  /** A language being set on a channel: its next prompts wait for it. */
  private readonly speaking = new Map<string, Promise<void>>();
  /** Why the app hung up a channel, until its StasisEnd takes it (takeHangupReason). */
  private readonly hangupReasons = new Map<string, LegEndReason>();
  /** Prompts asked for per channel, until its StasisEnd (takeHangupReason): whether another began since. */
  private readonly prompts = new Map<string, number>();

  constructor(
    private readonly ari: AriClientSource,
    private readonly playbacks: PlaybackTracker,
    private readonly log: Logger,
    private readonly answers?: AnswerTimes,
    /** Conference members the app stopped hearing: a prompt's end is their channel's event again. */
    private readonly subscriptions?: ChannelSubscriptions,
  ) {}

  async answer(channelId: string): Promise<number | null> {
    await this.ari.rest.answer(channelId);
    if (this.answers === undefined) return null;
    const at = await this.answers.take(channelId);
    if (at === null) this.log.warn({ channelId }, 'Asterisk reported no answer time (ChannelStateChange Up): the leg starts at the app clock');
    return at;
  }

  async reject(channelId: string, cause: RefusalCause): Promise<void> {
    await this.ari.rest.hangup(channelId, REJECT_REASON[cause]);
  }

  async hangup(channelId: string, reason?: LegEndReason): Promise<void> {
    // Noted before the request: the StasisEnd it causes may arrive before the reply.
    if (reason !== undefined && !this.hangupReasons.has(channelId)) this.hangupReasons.set(channelId, reason);
    try {
      await this.ari.rest.hangup(channelId);
    } catch (err) {
      this.hangupReasons.delete(channelId); // gone already: its StasisEnd has come or will not
      throw err;
    }
  }

  /**
   * The call is over: nothing is kept for its channel. Its StasisEnd normally clears it
   * (takeHangupReason); a call the resync ended never had one delivered (it was lost).
   */
  forget(channelId: string): void {
    this.prompts.delete(channelId);
    this.hangupReasons.delete(channelId);
    this.speaking.delete(channelId);
  }

  /** Channels something is kept for (diagnostics, tests: none once their calls are over). */
  get channelsKept(): number {
    return new Set([...this.prompts.keys(), ...this.hangupReasons.keys(), ...this.speaking.keys()]).size;
  }

  /** The reason the app gave when it hung this channel up, if it did; forgotten once taken. */
  takeHangupReason(channelId: string): LegEndReason | undefined {
    this.prompts.delete(channelId);
    const reason = this.hangupReasons.get(channelId);
    this.hangupReasons.delete(channelId);
    return reason;
  }

  speak(channelId: string, language: string): void {
    const set = this.ari.rest.setChannelVar(channelId, 'CHANNEL(language)', language).then(
      () => undefined,
      (err: unknown) => this.log.debug({ err, channelId, language }, 'channel language not set (gone?)'),
    );
    this.speaking.set(channelId, set);
    void set.then(() => {
      if (this.speaking.get(channelId) === set) this.speaking.delete(channelId);
    });
  }

  /** How many prompts were asked for on this channel so far. */
  promptsAskedFor(channelId: string): number {
    return this.prompts.get(channelId) ?? 0;
  }

  play(channelId: string, media: string[]): PromptPlayback {
    this.prompts.set(channelId, this.promptsAskedFor(channelId) + 1);
    const { id, finished: reported } = this.playbacks.register();
    const finished = finishedOrAfter(reported, PROMPT_END_GUARD_MS);
    void finished.then(() => this.playbacks.finished(id));
    let stopped = false;
    const heard = Promise.all([this.subscriptions?.listen([channelId]), this.speaking.get(channelId)]);
    const started = heard.then(() => this.ari.rest.play(channelId, media, id)).then(
      () => true,
      (err: unknown) => {
        // The channel may already be gone; either way this playback will never finish.
        this.log.debug({ err, channelId }, 'playback did not start');
        this.playbacks.finished(id);
        return false;
      },
    );
    return {
      finished,
      stop: () => {
        if (stopped) return;
        stopped = true;
        void started.then(async (ok) => {
          if (!ok) return;
          await this.ari.rest.stopPlayback(id).catch(() => undefined);
          this.playbacks.finished(id);
        });
      },
    };
  }
}
