// What the ARI adapter keeps per caller's channel (a hang-up's reason, prompts asked for, a
// language being set) goes when the call is over, also for a call whose StasisEnd never came
// (the resync ended it after the ARI connection was lost): before, those entries stayed.
import { expect } from 'chai';
import type { Client } from 'ari-client';
import { AriChannels } from '../../bridge/ari-channels.js';
import type { AriCallRequests } from '../../bridge/ari-rest.js';
import { PlaybackTracker } from '../../bridge/playbacks.js';
import { flush, silentLog } from '../support/fakes.js';

describe('per-channel memory of the ARI adapter (fake ARI)', () => {
  it('a call hung up by the app whose StasisEnd was lost leaves nothing once forgotten', async () => {
    const ok = async () => undefined;
    const rest: AriCallRequests = { answer: ok, hangup: ok, play: ok, stopPlayback: ok, addChannel: ok, setChannelVar: ok, subscribe: ok, unsubscribe: ok };
    const channels = new AriChannels({ client: {} as Client, rest }, new PlaybackTracker(), silentLog);
    channels.speak('c1', 'fr');
    channels.play('c1', ['sound:vm-goodbye']);
    await channels.hangup('c1', 'goodbye');
    await flush();
    expect(channels.channelsKept).to.equal(1);
    channels.forget('c1');
    expect(channels.channelsKept).to.equal(0);
  });
});
