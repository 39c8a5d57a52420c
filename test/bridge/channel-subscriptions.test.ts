// Which channels the app no longer hears. A caller who hangs up while their move into the
// conference (or a prompt) is under way is asked to be quiet after their StasisEnd: before,
// each such request stayed in the map for good, with an unsubscribe sent for a channel
// Asterisk no longer had (the soak bench: 3 of 36 calls).
import { expect } from 'chai';
import type { Client } from 'ari-client';
import type { AriCallRequests } from '../../bridge/ari-rest.js';
import { ChannelSubscriptions } from '../../bridge/channel-subscriptions.js';
import { flush, silentLog } from '../support/fakes.js';

function setup() {
  const unsubscribed: string[] = [];
  const refused = async () => {
    throw new Error('not used');
  };
  const rest: AriCallRequests = {
    unsubscribe: async (_app, eventSource) => {
      unsubscribed.push(eventSource);
    },
    subscribe: async () => undefined,
    answer: refused,
    hangup: refused,
    play: refused,
    stopPlayback: refused,
    addChannel: refused,
    setChannelVar: refused,
  };
  const subscriptions = new ChannelSubscriptions({ client: {} as Client, rest }, 'test', silentLog);
  return { subscriptions, unsubscribed };
}

describe('channel subscriptions', () => {
  it('1,000 callers who hung up while their move was under way leave nothing behind, and no unsubscribe is sent for them', async () => {
    const { subscriptions, unsubscribed } = setup();
    for (let call = 0; call < 1_000; call++) {
      subscriptions.forget(`edge-${call}`); // StasisEnd
      subscriptions.quiet([`edge-${call}`]); // the move's reply, after
    }
    await flush();
    expect(subscriptions.quietCount).to.equal(0);
    expect(unsubscribed).to.deep.equal([]);
  });

  it('a conference member is quiet until it leaves', async () => {
    const { subscriptions, unsubscribed } = setup();
    subscriptions.quiet(['edge-1']);
    expect(subscriptions.isQuiet('edge-1')).to.equal(true);
    subscriptions.forget('edge-1');
    await flush();
    expect(subscriptions.quietCount).to.equal(0);
    expect(unsubscribed).to.deep.equal(['channel:edge-1']);
  });
});
