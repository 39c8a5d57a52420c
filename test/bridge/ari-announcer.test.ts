// The announcer's guard against a playback whose end never comes (a bridge destroyed mid-tone)
// must go once the end has come: before, every tone and count left a 30 s timer behind, holding
// its promise chain, two or three per call (5,600 pending after the soak bench's 10,000 calls).
import { expect } from 'chai';
import type { Client } from 'ari-client';
import { AriAnnouncer } from '../../bridge/ari-announcer.js';
import type { AriCallRequests } from '../../bridge/ari-rest.js';
import { ChannelSubscriptions } from '../../bridge/channel-subscriptions.js';
import { PlaybackTracker } from '../../bridge/playbacks.js';
import { flush, silentLog } from '../support/fakes.js';

/** Timers started while `run` runs that neither fired nor were cleared by its end. */
async function timersLeftBy(run: () => Promise<void>): Promise<number> {
  const pending = new Set<NodeJS.Timeout>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const tracked = (callback: () => void, ms?: number) => {
    const timer: NodeJS.Timeout = realSet(() => {
      pending.delete(timer);
      callback();
    }, ms);
    pending.add(timer);
    return timer;
  };
  globalThis.setTimeout = tracked as typeof globalThis.setTimeout;
  globalThis.clearTimeout = ((timer: NodeJS.Timeout | undefined) => {
    if (timer !== undefined) pending.delete(timer);
    realClear(timer);
  }) as typeof globalThis.clearTimeout;
  try {
    await run();
  } finally {
    globalThis.setTimeout = realSet;
    globalThis.clearTimeout = realClear;
  }
  for (const timer of pending) realClear(timer);
  return pending.size;
}

function setup() {
  const playbacks = new PlaybackTracker();
  const played: string[] = [];
  const refused = async () => {
    throw new Error('not used by the announcer');
  };
  const rest: AriCallRequests = {
    play: async (_channelId, _media, playbackId) => {
      played.push(playbackId);
    },
    subscribe: async () => undefined,
    unsubscribe: async () => undefined,
    answer: refused,
    hangup: refused,
    stopPlayback: refused,
    addChannel: refused,
    setChannelVar: refused,
  };
  const client = {
    bridges: {
      play: async ({ playbackId }: { playbackId: string }) => {
        played.push(playbackId);
      },
    },
  } as unknown as Client;
  const source = { client, rest };
  const announcer = new AriAnnouncer(source, { promptsAskedFor: () => 0 }, playbacks, new ChannelSubscriptions(source, 'test', silentLog), silentLog);
  /** Asterisk reports the end of every playback so far (PlaybackFinished). */
  const finishAll = () => {
    for (const id of played.splice(0)) playbacks.finished(id);
  };
  return { announcer, playbacks, finishAll };
}

describe('room announcements over ARI (fake ARI)', () => {
  it('after 1,000 tones and counts whose end Asterisk reported, no guard timer is left', async () => {
    const { announcer, playbacks, finishAll } = setup();
    const left = await timersLeftBy(async () => {
      for (let call = 0; call < 500; call++) {
        await announcer.announce('11331134', ['sound:beep'], 'en');
        await announcer.tell(`edge-${call}`, ['sound:conf-onlyperson']);
        await flush();
        finishAll();
        await flush();
      }
    });
    expect(playbacks.pending).to.equal(0);
    expect(left).to.equal(0);
  });
});
