// ari-client's events read lean (bridge/lean-ari-events.ts): the app's handlers get the same
// event and its raw resources, ari-client's own message handler no longer runs, and every
// reconnected socket is swapped too. Over a real Asterisk the e2e and fault suites run with it.
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import type { Client } from 'ari-client';
import { eventResources, readEventsLean } from '../../bridge/lean-ari-events.js';

class FakeAriClient extends EventEmitter {
  _ws: EventEmitter = new EventEmitter();
  builtObjects = 0;

  /** What ari-client does on (re)connect: a new socket with its own message handler, then WebSocketConnected. */
  connect(): EventEmitter {
    this._ws = new EventEmitter();
    this._ws.on('message', () => (this.builtObjects += 1));
    this.emit('WebSocketConnected');
    return this._ws;
  }
}

const stasisStart = { type: 'StasisStart', timestamp: '2026-12-02T10:00:00.000+0000', args: ['18005550100'], channel: { id: 'c1', state: 'Up', caller: { number: '+15550001111' }, dialplan: { exten: '18005550100' } } };

describe('ARI events read lean', () => {
  it('an event goes to the handlers with its only resource raw, or all by name', () => {
    expect(eventResources(stasisStart)).to.equal(stasisStart.channel);
    const entered = { type: 'ChannelEnteredBridge', bridge: { id: 'b' }, channel: { id: 'c' } };
    expect(eventResources(entered)).to.deep.equal({ bridge: { id: 'b' }, channel: { id: 'c' } });
    expect(eventResources({ type: 'ApplicationReplaced' })).to.equal(undefined);
  });

  it("replaces ari-client's message handler on every socket it connects, before any message", () => {
    const client = new FakeAriClient();
    readEventsLean(client as unknown as Client, () => undefined);
    const seen: Array<[unknown, unknown]> = [];
    client.on('StasisStart', (event: unknown, channel: unknown) => seen.push([event, channel]));
    for (let connection = 1; connection <= 2; connection++) {
      const ws = client.connect();
      ws.emit('message', Buffer.from(JSON.stringify(stasisStart)));
      expect(seen, `connection ${connection}`).to.have.length(connection);
      expect(seen[connection - 1]?.[1]).to.deep.equal(stasisStart.channel);
    }
    expect(client.builtObjects).to.equal(0);
  });

  it('leaves a socket it does not recognise to ari-client, and drops an unreadable message with a report', () => {
    const client = new FakeAriClient();
    const unreadable: unknown[] = [];
    readEventsLean(client as unknown as Client, (err) => unreadable.push(err));
    client._ws = new EventEmitter();
    client._ws.on('message', () => (client.builtObjects += 1));
    client._ws.on('message', () => undefined); // two handlers: not the ari-client this knows
    client.emit('WebSocketConnected');
    client._ws.emit('message', Buffer.from(JSON.stringify(stasisStart)));
    expect(client.builtObjects).to.equal(1);
    const ws = client.connect();
    ws.emit('message', Buffer.from('{not json'));
    expect(unreadable).to.have.length(1);
  });
});
