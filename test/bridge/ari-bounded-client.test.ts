// ari-client's requests whose connection fails never settle (swagger-client 2.0 does not listen
// for shred's "request_error"): the wrapped client turns them into rejections after the limit.
import { expect } from 'chai';
import type { Client } from 'ari-client';
import { boundedClient } from '../../bridge/ari-bounded-client.js';

class FakeChannels {
  calls = 0;
  /** A request cut with its connection: never settles. */
  get(): Promise<never> {
    this.calls++;
    return new Promise<never>(() => undefined);
  }
  /** An answered request, which needs its resource as `this`. */
  list(): Promise<string[]> {
    this.calls++;
    return Promise.resolve(['c1']);
  }
  refused(): Promise<never> {
    return Promise.reject(new Error('Channel not found'));
  }
}

function fakeClient() {
  const channels = new FakeChannels();
  const events: string[] = [];
  const client = { channels, on: (type: string) => events.push(type), marker: 'raw' };
  return { client: client as unknown as Client, channels, events };
}

describe('bounded ari-client (requests cut with the connection)', () => {
  it('times each operation by its resource.operation name, answered or refused (GET /metrics)', async () => {
    const { client } = fakeClient();
    const heard: string[] = [];
    const bounded = boundedClient(client, 1_000, { observe: (operation, seconds, ok) => heard.push(`${operation} ${ok} ${seconds >= 0}`) });
    await bounded.channels.list();
    await (bounded.channels as unknown as FakeChannels).refused().catch(() => undefined);
    await new Promise((r) => setImmediate(r));
    expect(heard).to.deep.equal(['channels.list true true', 'channels.refused false true']);
  });

  it('a request that never settles rejects after the limit, saying which one', async () => {
    const { client } = fakeClient();
    const bounded = boundedClient(client, 30);
    const started = Date.now();
    const err = await bounded.channels.get({ channelId: 'c1' }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(Error);
    expect((err as Error).message).to.equal('ARI channels.get: no answer within 30 ms');
    expect(Date.now() - started).to.be.at.least(25);
  });

  it('answers and refusals pass through as they are, with the resource as this', async () => {
    const { client, channels } = fakeClient();
    const bounded = boundedClient(client, 1_000);
    expect(await bounded.channels.list()).to.deep.equal(['c1']);
    expect(channels.calls).to.equal(1);
    const refused = await (bounded.channels as unknown as FakeChannels).refused().then(
      () => null,
      (e: unknown) => (e as Error).message,
    );
    expect(refused).to.equal('Channel not found');
  });

  it('leaves the rest of the client alone: events, and the same wrapped resource every time', () => {
    const { client, events } = fakeClient();
    const bounded = boundedClient(client, 1_000);
    bounded.on('StasisStart', () => undefined);
    expect(events).to.deep.equal(['StasisStart']);
    expect((bounded as unknown as { marker: string }).marker).to.equal('raw');
    expect(bounded.channels).to.equal(bounded.channels);
    const operation = (c: Client) => Reflect.get(c.channels, 'get') as unknown;
    expect(operation(bounded)).to.equal(operation(bounded));
  });
});
